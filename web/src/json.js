// SPDX-License-Identifier: MIT
// The certificate's canonical bytes, exactly as kesu makes them (certificates/record.c
// cert_canonical: jansson's json_dumps with JSON_SORT_KEYS | JSON_COMPACT, and a final newline),
// and a strict JSON reader that reads what jansson's json_loadb (flags 0) reads and refuses what it
// refuses. Integers stay exact (BigInt, 64-bit like json_int_t); keys are sorted by their UTF-8
// bytes, as strcmp sorts them.

export class JsonError extends Error {}

const MAX_DEPTH = 2048; // jansson's JSON_PARSER_MAX_DEPTH
const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

// Values: {t:'object', entries: Map}, {t:'array', items}, {t:'string', v}, {t:'integer', v: BigInt},
// {t:'real', v: Number}, {t:'true'}, {t:'false'}, {t:'null'}.

/** Parses text (a JS string, already decoded from strict UTF-8). Throws JsonError. */
export function parse(text) {
  let i = 0;
  const n = text.length;
  const fail = (msg) => {
    throw new JsonError(`${msg} (at character ${i})`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const parseString = () => {
    i++; // the opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('premature end of input');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const u = hex4();
          if (u === 0) fail('\\u0000 is not allowed');
          if (u >= 0xd800 && u <= 0xdbff) {
            if (text[i] !== '\\' || text[i + 1] !== 'u') fail('invalid Unicode (a lone surrogate)');
            i += 2;
            const lo = hex4();
            if (lo < 0xdc00 || lo > 0xdfff) fail('invalid Unicode (a lone surrogate)');
            out += String.fromCharCode(u, lo);
          } else if (u >= 0xdc00 && u <= 0xdfff) fail('invalid Unicode (a lone surrogate)');
          else out += String.fromCharCode(u);
          break;
        }
        default:
          fail('invalid escape');
      }
      start = i;
    }
  };
  const hex4 = () => {
    const h = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('invalid escape');
    i += 4;
    return parseInt(h, 16);
  };
  const parseNumber = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail('invalid token');
    i += m[0].length;
    if (i < n && /[0-9]/.test(text[i])) fail('invalid token'); // "01"
    if (!m[2] && !m[3]) {
      const v = BigInt(m[0]);
      if (v < INT_MIN || v > INT_MAX) fail('too big integer');
      return { t: 'integer', v };
    }
    const v = Number(m[0]);
    if (!Number.isFinite(v)) fail('real number overflow');
    return { t: 'real', v };
  };
  const parseValue = (depth) => {
    if (depth > MAX_DEPTH) fail('maximum parsing depth reached');
    ws();
    if (i >= n) fail('premature end of input');
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('string or \'}\' expected');
        const key = parseString();
        ws();
        if (text[i] !== ':') fail('\':\' expected');
        i++;
        entries.delete(key); // the last of a repeated key wins, as in jansson
        entries.set(key, parseValue(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'object', entries };
        }
        fail('\'}\' expected');
      }
    }
    if (c === '[') {
      i++;
      const items = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'array', items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'array', items };
        }
        fail('\']\' expected');
      }
    }
    if (c === '"') return { t: 'string', v: parseString() };
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    for (const word of ['true', 'false', 'null'])
      if (text.startsWith(word, i)) {
        i += word.length;
        return { t: word };
      }
    fail('invalid token');
  };
  ws();
  if (text[i] !== '{' && text[i] !== '[') fail('\'[\' or \'{\' expected');
  const v = parseValue(1);
  ws();
  if (i !== n) fail('end of file expected');
  return v;
}

/** strcmp order of the UTF-8 bytes = code point order (not JS's UTF-16 order). */
export function compareCodePoints(a, b) {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a.charCodeAt(k), y = b.charCodeAt(k);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff, ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate (U+10000 and up) sorts after the BMP
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function dumpString(s) {
  let out = '"';
  let start = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    let esc = null;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      esc = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c] ||
        '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    }
    if (esc !== null) {
      out += s.slice(start, k) + esc;
      start = k + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** printf("%.17g") as jansson's jsonp_dtostr writes a real: ".0" added to an integer-looking
 * result, no '+' and no leading zeros in the exponent. */
export function formatReal(x) {
  let s;
  if (x === 0) s = Object.is(x, -0) ? '-0' : '0';
  else {
    const [m, es] = x.toExponential(16).split('e');
    const e = parseInt(es, 10);
    const strip = (t) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
    if (e < -4 || e >= 17) s = strip(m) + 'e' + (e < 0 ? '-' : '') + String(Math.abs(e));
    else s = strip(x.toFixed(16 - e));
  }
  if (!s.includes('.') && !s.includes('e')) s += '.0';
  return s;
}

function dump(v) {
  switch (v.t) {
    case 'object': {
      const keys = [...v.entries.keys()].sort(compareCodePoints);
      return '{' + keys.map((k) => dumpString(k) + ':' + dump(v.entries.get(k))).join(',') + '}';
    }
    case 'array':
      return '[' + v.items.map(dump).join(',') + ']';
    case 'string':
      return dumpString(v.v);
    case 'integer':
      return v.v.toString();
    case 'real':
      return formatReal(v.v);
    default:
      return v.t; // true, false, null
  }
}

/** The canonical text of a parsed value (UTF-8 encode it for the bytes). */
export function canonical(v) {
  return dump(v) + '\n';
}

/** A member of an object value, or undefined. */
export function get(v, ...path) {
  for (const k of path) {
    if (!v || v.t !== 'object') return undefined;
    v = v.entries.get(k);
  }
  return v;
}

/** A string member's text, or null when it is missing or not a string (json_string_value). */
export function str(v, ...path) {
  const x = get(v, ...path);
  return x && x.t === 'string' ? x.v : null;
}

/** An integer member's value (BigInt), 0n when it is missing or not an integer (json_integer_value). */
export function int(v, ...path) {
  const x = get(v, ...path);
  return x && x.t === 'integer' ? x.v : 0n;
}

// SPDX-License-Identifier: MIT
// Every text of the page in Japanese (the default, like the rest of kesu) and English. The English
// findings are worded as `kesu cert verify` words them (certificates/audit.c), so the two can be
// compared line by line.

const en = {
  // findings (audit.js)
  'not-json': (v) => `not a JSON certificate (truncated or damaged: ${v.error})`,
  'no-format': () => 'not a kesu certificate (format tag missing)',
  'not-canonical': () => 'not in canonical form (edited by hand?)',
  'no-signature': (v) => `half-filed: no signature file ${v.file}`,
  'unknown-key-claims': (v) =>
    `signed by key ${v.signer}, which is not among the given keys (the record claims key ${v.claimed})`,
  'unknown-key': (v) => `signed by key ${v.signer}, which is not among the given keys`,
  'signature-damaged': () => 'the signature file is damaged',
  altered: () => 'the signature does not match: the certificate was altered',
  resigned: (v) => `re-signed: the signature is by key ${v.signer}, but the record claims key ${v.claimed}`,
  'resigned-serial': (v) =>
    `re-signed: the signature is by key ${v.signer}, but the record's serial claims key ${v.claimed}`,
  'comment-mismatch': () => 'the signed comment does not match the record',
  ok: (v) => `${v.serial} sequence ${v.sequence}: PASS, signature valid`,
  'ok-short': 'PASS, signature valid',
  failed: (v) => `${v.serial} sequence ${v.sequence}: signature valid; records a FAILED disposal (asset ${v.asset}${v.reasons ? ': ' + v.reasons : ''})`,
  'missing-pdf': (v) => `${v.serial} has no PDF beside it (the signed record is intact)`,
  'stray-holds': (v) => `named like a certificate but holds ${v.serial}`,
  copy: (v) => `sequence ${v.sequence}: the same certificate as ${v.file} (a copy)`,
  'duplicate-same': (v) => `sequence ${v.sequence} appears twice (same certificate as ${v.file})`,
  'duplicate-different': (v) => `sequence ${v.sequence} appears twice with different content (also ${v.file})`,
  'duplicate-serial': (v) =>
    `sequence ${v.sequence} appears twice with different content (also ${v.file}): serial ${v.serial} was issued twice`,
  'gap-one': (v) => `certificate ${v.from} is missing`,
  'gap-many': (v) => `certificates ${v.from} to ${v.to} are missing`,
  relinked: (v) => `does not follow certificate ${v.sequence} (${v.file}): its previous hash differs`,
  fork: (v) => `forks the chain: it and ${v.file} both follow ${v.hash}`,
  'serial-twice': (v) => `serial ${v.serial} was issued twice: also ${v.file} (key ${v.key} sequence ${v.sequence})`,
  'set-aside': () => 'set aside by the issuer (a half-filed or damaged file); not part of the chain',
  'leftover-temp': () => 'a leftover temporary file (a write was interrupted)',
  'signature-alone': (v) => `half-filed: a signature without its record ${v.partner}`,
  'pdf-alone': (v) => `a PDF without its record ${v.partner}`,
  stray: () => 'named like a certificate but none of its files (.json, .json.minisig, .pdf)',
  'none-found': () => 'no certificate found in the given files and folders',
  'no-key': () => 'no public key given: add the appliance\'s appliance.pub',
  'bad-key': (v) => `${v.file}: not a minisign public key`,
  // QR
  'qr-malformed': () => 'malformed QR payload',
  'qr-unknown-key': () => 'signed by an unknown key',
  'qr-bad-signature': () => 'QR signature does not match: altered',
  'qr-resigned': () => 're-signed: signed by another key than its serial names',
  'qr-not-found': (v) => `no record of ${v.serial} among the given files and folders (the paper names record ${v.hash})`,
  'qr-different': (v) => `${v.path}: the record differs from the one the paper names`,
  'qr-match': (v) => `${v.path}: the paper names exactly this record`,
  'qr-ok': (v) => `${v.serial} sequence ${v.sequence} ${v.result}, asset ${v.asset}, disk ${v.disk_serial}, ended ${v.ended_utc}, key ${v.key_id}`,
  // the page
  title: 'kesu certificate check',
  lead: 'Checks kesu disposal certificates offline: form, canonical bytes, signatures (minisign, Ed25519) and the chain. Nothing leaves this computer.',
  'drop-here': 'Drop the folder of certificates (KESU-….json, .json.minisig, .pdf) and the appliance\'s public key (appliance.pub) here',
  'choose-files': 'Choose files…',
  'choose-folder': 'Choose a folder…',
  clear: 'Clear',
  'keys-heading': 'Public keys',
  'keys-none': 'No public key yet. Compare the fingerprint with the one printed on the certificates or given by the administrator.',
  'key-line': (v) => `key ${v.id} — fingerprint ${v.fingerprint} (${v.file})`,
  'paste-key': 'or paste the key (the second line of appliance.pub):',
  'add-key': 'Add key',
  'qr-heading': 'QR payload',
  'qr-help': 'Type, paste or scan (a 2D scanner types it) the QR payload and press Enter.',
  'qr-check': 'Check',
  checking: (v) => `Checking… ${v.done} / ${v.total}`,
  reading: (v) => `Reading the files… ${v.done} / ${v.total}`,
  summary: (v) => `${v.certificates} certificates, ${v.valid} valid, ${v.problems} problems, ${v.warnings} warnings: ${v.pass} PASS, ${v.fail} FAIL`,
  'summary-ok': 'No problem found.',
  'summary-bad': 'Problems found: see the rows in red.',
  range: (v) => `Chain: ${v.first === v.last ? 'sequence ' + v.first : `sequences ${v.first}–${v.last}`} checked${v.missing !== '0' ? `, ${v.missing} missing` : ''}; ${v.first !== '1' ? (v.first === '2' ? '1' : `1–${BigInt(v.first) - 1n}`) + ' and ' : ''}after ${v.last} are outside this set (key ${v.keyId})`,
  elapsed: (v) => `checked in ${v.seconds} s (Ed25519: ${v.backend})`,
  'col-sequence': 'Seq.', 'col-serial': 'Serial', 'col-date': 'Ended (JST)', 'col-asset': 'Asset',
  'col-class': 'Class', 'col-destination': 'Destination', 'col-method': 'Method', 'col-level': 'Level',
  'col-result': 'Result', 'col-check': 'Check', 'col-people': 'Operator / witness', 'col-file': 'File',
  'level-required': (v) => `${v.achieved} (required ${v.required})`,
  csv: 'Export CSV', print: 'Print',
  'show-all': 'Show every row', 'show-problems': 'Show problems only',
  'show-more': (v) => `${v.shown} of ${v.total} rows shown (every problem among them): show all (slow with many)`,
  sev_ok: 'OK', sev_fail: 'FAILED', sev_warning: 'WARNING', sev_problem: 'PROBLEM',
};

const ja = {
  'not-json': (v) => `JSON の証明書ではありません（途中で切れているか壊れています: ${v.error}）`,
  'no-format': () => 'kesu の証明書ではありません（形式の表示がありません）',
  'not-canonical': () => '正規の形ではありません（手で編集された可能性があります）',
  'no-signature': (v) => `保存が不完全です: 署名ファイル ${v.file} がありません`,
  'unknown-key-claims': (v) => `鍵 ${v.signer} で署名されていますが、与えられた鍵の中にありません（記録は鍵 ${v.claimed} と主張しています）`,
  'unknown-key': (v) => `鍵 ${v.signer} で署名されていますが、与えられた鍵の中にありません`,
  'signature-damaged': () => '署名ファイルが壊れています',
  altered: () => '署名が一致しません: 証明書が改ざんされています',
  resigned: (v) => `署名し直されています: 署名は鍵 ${v.signer} ですが、記録は鍵 ${v.claimed} と主張しています`,
  'resigned-serial': (v) => `署名し直されています: 署名は鍵 ${v.signer} ですが、記録の証明書番号は鍵 ${v.claimed} を示しています`,
  'comment-mismatch': () => '署名されたコメントが記録と一致しません',
  ok: (v) => `${v.serial} 連番 ${v.sequence}: 合格、署名は有効です`,
  'ok-short': '合格、署名は有効',
  failed: (v) => `${v.serial} 連番 ${v.sequence}: 署名は有効。消去の失敗（不合格）を記録しています（資産番号 ${v.asset}${v.reasons ? ': ' + v.reasons : ''}）`,
  'missing-pdf': (v) => `${v.serial} の PDF が横にありません（署名された記録は無事です）`,
  'stray-holds': (v) => `証明書の名前ですが、中身は ${v.serial} です`,
  copy: (v) => `連番 ${v.sequence}: ${v.file} と同じ証明書です（写し）`,
  'duplicate-same': (v) => `連番 ${v.sequence} が二つあります（${v.file} と同じ証明書）`,
  'duplicate-different': (v) => `連番 ${v.sequence} が内容の違う二つの証明書にあります（もう一つは ${v.file}）`,
  'duplicate-serial': (v) => `連番 ${v.sequence} が内容の違う二つの証明書にあります（もう一つは ${v.file}）: 証明書番号 ${v.serial} が二度発行されています`,
  'gap-one': (v) => `証明書 ${v.from} が欠けています`,
  'gap-many': (v) => `証明書 ${v.from} から ${v.to} が欠けています`,
  relinked: (v) => `証明書 ${v.sequence}（${v.file}）に続いていません: 前の証明書のハッシュが違います（つなぎ替え）`,
  fork: (v) => `連鎖が分岐しています: この証明書と ${v.file} が同じ ${v.hash} に続いています`,
  'serial-twice': (v) => `証明書番号 ${v.serial} が二度発行されています: もう一つは ${v.file}（鍵 ${v.key} 連番 ${v.sequence}）`,
  'set-aside': () => '発行時に取りのけられたファイル（不完全または壊れたもの）: 連鎖には含めません',
  'leftover-temp': () => '一時ファイルが残っています（書き込みが中断されました）',
  'signature-alone': (v) => `保存が不完全です: 記録 ${v.partner} のない署名です`,
  'pdf-alone': (v) => `記録 ${v.partner} のない PDF です`,
  stray: () => '証明書の名前ですが、証明書のどのファイル（.json, .json.minisig, .pdf）でもありません',
  'none-found': () => '与えられたファイルとフォルダに証明書がありません',
  'no-key': () => '公開鍵がありません: 装置の appliance.pub を加えてください',
  'bad-key': (v) => `${v.file}: minisign の公開鍵ではありません`,
  'qr-malformed': () => 'QR の内容の形が正しくありません',
  'qr-unknown-key': () => '知らない鍵で署名されています',
  'qr-bad-signature': () => 'QR の署名が一致しません: 改ざんされています',
  'qr-resigned': () => '署名し直されています: 証明書番号が示す鍵とは別の鍵で署名されています',
  'qr-not-found': (v) => `与えられたファイルに ${v.serial} の記録がありません（紙が示す記録 ${v.hash}）`,
  'qr-different': (v) => `${v.path}: 紙が示す記録と内容が違います`,
  'qr-match': (v) => `${v.path}: 紙が示すのはまさにこの記録です`,
  'qr-ok': (v) => `${v.serial} 連番 ${v.sequence} ${v.result}、資産番号 ${v.asset}、ディスク ${v.disk_serial}、終了 ${v.ended_utc}、鍵 ${v.key_id}`,
  title: 'kesu 証明書の検証',
  lead: 'kesu の消去証明書をこのコンピュータの中だけで検証します: 形式、正規のバイト列、署名（minisign、Ed25519）、連鎖。データは外に出ません。',
  'drop-here': '証明書のフォルダ（KESU-….json、.json.minisig、.pdf）と装置の公開鍵（appliance.pub）をここにドロップしてください',
  'choose-files': 'ファイルを選ぶ…',
  'choose-folder': 'フォルダを選ぶ…',
  clear: 'クリア',
  'keys-heading': '公開鍵',
  'keys-none': '公開鍵はまだありません。指紋を証明書に印刷されたもの、または管理者から受け取ったものと照らし合わせてください。',
  'key-line': (v) => `鍵 ${v.id} — 指紋 ${v.fingerprint}（${v.file}）`,
  'paste-key': 'または鍵を貼り付け（appliance.pub の 2 行目）:',
  'add-key': '鍵を加える',
  'qr-heading': 'QR の内容',
  'qr-help': 'QR の内容を入力・貼り付け・読み取り（2 次元スキャナは文字を入力します）して Enter を押してください。',
  'qr-check': '検証',
  checking: (v) => `検証中… ${v.done} / ${v.total}`,
  reading: (v) => `ファイルを読み込み中… ${v.done} / ${v.total}`,
  summary: (v) => `証明書 ${v.certificates} 件、有効 ${v.valid} 件、問題 ${v.problems} 件、警告 ${v.warnings} 件: 合格 ${v.pass} 件、不合格 ${v.fail} 件`,
  'summary-ok': '問題は見つかりませんでした。',
  'summary-bad': '問題が見つかりました: 赤い行を見てください。',
  range: (v) => `連鎖: 連番 ${v.first === v.last ? v.first : `${v.first}〜${v.last}`} を検証しました${v.missing !== '0' ? `（${v.missing} 件欠落）` : ''}。${v.first !== '1' ? (v.first === '2' ? '1' : `1〜${BigInt(v.first) - 1n}`) + ' と ' : ''}${v.last} より後はこの組の外です（鍵 ${v.keyId}）`,
  elapsed: (v) => `${v.seconds} 秒で検証（Ed25519: ${v.backend}）`,
  'col-sequence': '連番', 'col-serial': '証明書番号', 'col-date': '終了日時（JST）', 'col-asset': '資産番号',
  'col-class': '機密性', 'col-destination': '行き先', 'col-method': '方式', 'col-level': '消去レベル',
  'col-result': '結果', 'col-check': '検証', 'col-people': '作業者 / 確認者', 'col-file': 'ファイル',
  'level-required': (v) => `${v.achieved}（必要 ${v.required}）`,
  csv: 'CSV に書き出す', print: '印刷',
  'show-all': 'すべての行を表示', 'show-problems': '問題だけを表示',
  'show-more': (v) => `${v.total} 行のうち ${v.shown} 行を表示中（問題の行はすべて表示）: すべて表示する（多いと時間がかかります）`,
  sev_ok: 'OK', sev_fail: '不合格', sev_warning: '警告', sev_problem: '問題',
};

// The certificate's own words in Japanese (cert_term_japanese).
const terms = {
  PASS: '合格', FAIL: '不合格', Clear: 'クリア', Purge: 'パージ', Destroy: '破壊', none: 'なし',
  'internal-reuse': '組織内で再利用', 'external-reuse': '組織外で再利用', 'lease-return': 'リース返却',
  recycling: 'リサイクル', destruction: '物理破壊',
};

export const LANGS = { ja, en };

/** The text of key in lang, with values filled in. */
export function t(lang, key, values = {}) {
  const m = LANGS[lang][key] ?? en[key];
  if (m === undefined) return key;
  return typeof m === 'function' ? m(stringify(values)) : m;
}

/** A value of the certificate in lang ("PASS" → 合格 in Japanese). */
export function term(lang, word) {
  return lang === 'ja' && word && terms[word] ? terms[word] : word;
}

const stringify = (values) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));

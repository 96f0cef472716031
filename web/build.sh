#!/usr/bin/env bash
# Builds kesu-verify.html (web/meson.build runs it): installs the pinned packages of
# package-lock.json with `npm ci` into the build folder — never into the source tree, again only
# when the lock file changed — and bundles the page with build.mjs (esbuild).
#   build.sh OUTPUT SOURCE_DIR WORK_DIR VERSION [COPY_TO]
# COPY_TO: a second place for the page (the top of the build folder: build/kesu-verify.html).
set -euo pipefail
out=$(realpath -m "$1") src=$(realpath "$2") work=$(realpath -m "$3") version=$4 copy_to=${5:-}
mkdir -p "$work/npm"
if ! cmp -s "$src/package-lock.json" "$work/npm/package-lock.json" || [ ! -d "$work/npm/node_modules/esbuild" ]; then
    cp "$src/package.json" "$src/package-lock.json" "$work/npm/"
    # --ignore-scripts: no package runs code at install (esbuild's binary comes as its own package)
    (cd "$work/npm" && npm ci --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
fi
cp "$src/build.mjs" "$work/npm/build.mjs"
(cd "$work/npm" && node build.mjs "$src/src" "$out" "$version")
if [ -n "$copy_to" ]; then
    cp "$out" "$copy_to.tmp" && mv -f "$copy_to.tmp" "$copy_to"
fi

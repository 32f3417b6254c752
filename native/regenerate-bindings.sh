#!/usr/bin/env bash
# Regenerates the committed jextract bindings for native/include/studio_worker.h.
#
# Requires `jextract` (https://github.com/openjdk/jextract, a build for JDK 22+) on PATH, plus
# sha256sum or shasum. Nothing else; it does not build anything and downloads nothing.
#
# Writes (replacing what is there):
#   worker-native/src/main/java/gg/minis/studio/worker/natives/ffi/     generated sources, header class StudioWorker
#   worker-native/src/main/resources/gg/minis/studio/worker/natives/ffi/studio_worker.h.sha256
#     the SHA-256 of the header the bindings were generated from (CRs stripped); HeaderHashTest fails
#     when the header changes without this script being re-run.
#
# What is generated: every struct, callback typedef, enum constant and macro constant declared in
# studio_worker.h. Functions are deliberately NOT generated: jextract binds functions to one static
# SymbolLookup, while each backend library (sw_sdcpp, sw_whisper, sw_testbackend) exports the same
# sw_* symbols and must be bound on its own. gg.minis.studio.worker.natives.SwFunctions binds them
# per library, using the generated layouts; SwFunctionsTest checks it against the header's prototypes.
set -euo pipefail
cd "$(dirname "$0")/.."

header=native/include/studio_worker.h
pkg=gg.minis.studio.worker.natives.ffi
src_root=worker-native/src/main/java
pkg_dir=$src_root/${pkg//.//}
hash_file=worker-native/src/main/resources/${pkg//.//}/studio_worker.h.sha256

command -v jextract >/dev/null || { echo "regenerate-bindings: jextract is not on PATH (see the header of $0)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Everything declared in studio_worker.h itself (not in system headers), minus functions and the
# opaque context structs (jextract cannot generate those and would only warn).
jextract --dump-includes "$tmp/all.txt" "$header" >/dev/null
grep -E '^--include-[a-z]+ +[A-Za-z_0-9]+ +# header: .*studio_worker\.h$' "$tmp/all.txt" \
  | grep -v '^--include-function ' \
  | grep -Ev '^--include-struct +sw_(image|stt)_ctx ' \
  | sed -E 's/ *#.*$//' | sort > "$tmp/includes.txt"

rm -rf "$pkg_dir"
jextract --output "$src_root" --target-package "$pkg" --header-class-name StudioWorker \
  @"$tmp/includes.txt" "$header"

if command -v sha256sum >/dev/null; then
  sum=$(tr -d '\r' < "$header" | sha256sum | cut -d' ' -f1)
else
  sum=$(tr -d '\r' < "$header" | shasum -a 256 | cut -d' ' -f1)
fi
mkdir -p "$(dirname "$hash_file")"
printf '%s  %s\n' "$sum" "$header" > "$hash_file"
echo "regenerate-bindings: wrote $(ls "$pkg_dir" | wc -l | tr -d ' ') files to $pkg_dir and $hash_file"

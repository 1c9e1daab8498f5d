#!/usr/bin/env bash
# Installs a qrun build tree into a fresh prefix and uses it the way an app would: the project in
# app/ (find_package(qrun), qrun::qrun) is configured, built and run against the prefix with the
# shared library, then with the static one (QRUN_STATIC=ON), and main.c is built once more with
# only pkg-config's flags, shared and static. Every build must give the expected prediction on
# each input and the very same output as the others; libqrun.so must export the C API only.
#   run_install_test.sh BUILD_DIR WORK_DIR MODEL INPUT:EXPECTED...
# Environment: CMAKE, QRUN_APP_GENERATOR, QRUN_APP_CC, QRUN_APP_CXX (the build's tools) and
# QRUN_APP_FLAGS (compile and link flags for the app, e.g. the sanitizer build's -fsanitize=...),
# QRUN_APP_LINK_FLAGS (link flags only).
set -euo pipefail
build=$1 work=$2 model=$3
shift 3
app_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/app" && pwd)
cmake=${CMAKE:-cmake}
cc=${QRUN_APP_CC:-cc}
flags=${QRUN_APP_FLAGS:-}
link_flags="$flags ${QRUN_APP_LINK_FLAGS:-}"
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install"
pc=$(find "$prefix" -name qrun.pc)
[ -n "$pc" ] || fail "qrun.pc is not installed"
export PKG_CONFIG_PATH=${pc%/qrun.pc}
libdir=$(pkg-config --variable=libdir qrun) || fail "pkg-config cannot read qrun.pc"
for f in include/qrun/qrun.h include/qrun/qrun.hpp include/qrun/status.h bin/qrun; do
  [ -f "$prefix/$f" ] || fail "$f is not installed"
done
for f in libqrun.a libqrun.so cmake/qrun/qrunConfig.cmake cmake/qrun/qrunConfigVersion.cmake; do
  [ -e "$libdir/$f" ] || fail "$libdir/$f is not installed"
done

exported=$(nm -D --defined-only "$libdir/libqrun.so" | awk '{print $3}')
others=$(grep -v '^qrun_' <<<"$exported" || true)
[ -z "$others" ] || fail "libqrun.so exports more than the C API: $(head -5 <<<"$others" | xargs)"
echo "libqrun.so exports $(wc -l <<<"$exported") symbols, all qrun_*"

reference=
# run LABEL BINARY: runs it on every input, checks the prediction and that its output is the same
# as the first binary's.
run() {
  local label=$1 binary=$2 out=$work/$1.out pair input expected
  shift 2
  : >"$out"
  for pair in "$@"; do
    input=${pair%:*} expected=${pair##*:}
    "$binary" "$model" "$input" >>"$out" || fail "$label on $input"
    tail -n 1 "$out" | grep -qx "prediction: $expected" ||
      fail "$label on $input: $(tail -n 1 "$out"), expected $expected"
  done
  if [ -z "$reference" ]; then
    reference=$out
  else
    cmp -s "$reference" "$out" || fail "$label's output differs from $(basename "$reference" .out)'s"
  fi
  echo "$label: ok ($(grep -c prediction "$out") inputs)"
}
# needs_libqrun BINARY yes|no: whether the binary loads libqrun.so.
needs_libqrun() {
  local found=no
  readelf -d "$1" | grep -q 'NEEDED.*libqrun\.so' && found=yes
  [ "$found" = "$2" ] || fail "$(basename "$1") ${found/no/does not} load libqrun.so (expected $2)"
}

for static in OFF ON; do
  app=$work/app-static-$static
  "$cmake" -S "$app_src" -B "$app" ${QRUN_APP_GENERATOR:+-G "$QRUN_APP_GENERATOR"} \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DQRUN_STATIC=$static \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="${QRUN_APP_CXX:-c++}" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$link_flags" \
    >"$app.configure.log" 2>&1 || { cat "$app.configure.log"; fail "configuring app/ (QRUN_STATIC=$static)"; }
  "$cmake" --build "$app" >"$app.build.log" 2>&1 || { cat "$app.build.log"; fail "building app/ (QRUN_STATIC=$static)"; }
  want=yes && [ $static = ON ] && want=no
  needs_libqrun "$app/qrun_app" $want
  needs_libqrun "$app/qrun_app_cxx" $want
  run "cmake-static-$static-c" "$app/qrun_app" "$@"
  run "cmake-static-$static-cxx" "$app/qrun_app_cxx" "$@"
done

# pkg-config: Libs for the shared library; Libs.private must be enough to link libqrun.a.
# shellcheck disable=SC2046,SC2086
"$cc" $link_flags -std=c99 "$app_src/main.c" -o "$work/pkgconfig-shared" $(pkg-config --cflags --libs qrun) \
  -Wl,-rpath,"$libdir" || fail "cc with pkg-config --cflags --libs qrun"
needs_libqrun "$work/pkgconfig-shared" yes
run pkgconfig-shared "$work/pkgconfig-shared" "$@"
static_libs=$(pkg-config --static --libs qrun)
# shellcheck disable=SC2046,SC2086
"$cc" $link_flags -std=c99 "$app_src/main.c" -o "$work/pkgconfig-static" $(pkg-config --cflags qrun) \
  ${static_libs/-lqrun/-l:libqrun.a} || fail "cc with pkg-config --static --libs qrun ($static_libs)"
needs_libqrun "$work/pkgconfig-static" no
run pkgconfig-static "$work/pkgconfig-static" "$@"
echo "installed package: ok"

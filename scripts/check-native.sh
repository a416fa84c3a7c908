#!/usr/bin/env bash
# Native checks (`npm run check:native`; .ci/run calls it after `npm test`):
#   1. builds an ASan + UBSan copy of the addon and of the standalone kernel driver (test/native/driver.cc) into
#      build-asan/ (cmake-js, -DRICHSCALE_SANITIZE=ON: -O1 -g -fsanitize=address,undefined
#      -fno-sanitize-recover=undefined), and a plain driver into build-memcheck/; build/Release is never touched;
#   2. negative controls: the driver's deliberate faults must be reported (proves the checks below are not silent);
#   3. the driver (every kernel, small cases) under ASan + UBSan + LeakSanitizer;
#   4. the driver under valgrind memcheck: no invalid access, no definite/indirect leak;
#   5. the vitest suites that call the addon in-process, with the sanitized addon (RICHSCALE_ADDON, lib/native.ts)
#      and libasan preloaded into Node (V8 leaks by design, so detect_leaks=0 there).
# Any sanitizer or valgrind report, failed test or failed build makes it exit 1. Prints a summary with times.
# Usage: scripts/check-native.sh [vitest file filters]   (default: the suites listed in VITEST_SUITES below)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# The tests that load the addon in-process (test/cli spawns the CLI: too slow and timing-sensitive under ASan).
VITEST_SUITES=(test/simulate test/theory test/frontier/run.test.ts test/mlp/gradient.test.ts test/mlp/twin.test.ts
  test/mlp/spectrum.test.ts test/mlp/lazy.test.ts)
[ $# -gt 0 ] && VITEST_SUITES=("$@")

ASAN_DIR=$ROOT/build-asan
MEMCHECK_DIR=$ROOT/build-memcheck
LOG_DIR=$ASAN_DIR/logs
CMAKE_JS=$ROOT/node_modules/.bin/cmake-js
VITEST=$ROOT/node_modules/.bin/vitest
export OPENBLAS_NUM_THREADS=1 NO_COLOR=1

summary=()
failed=0
t_all=$(date +%s)
record() {  # record NAME STATUS SECONDS [DETAIL]
  local mark=PASS
  [ "$2" -ne 0 ] && { mark=FAIL; failed=1; }
  summary+=("$(printf '%-4s %-48s %4ss  %s' "$mark" "$1" "$3" "${4:-}")")
  echo "check:native: $mark $1 (${3}s) ${4:-}"
}
skip() { summary+=("$(printf 'SKIP %-48s        %s' "$1" "$2")"); echo "check:native: SKIP $1 ($2)"; failed=1; }
finish() {
  echo
  echo "==== check:native summary ($(( $(date +%s) - t_all ))s) ===="
  printf '%s\n' "${summary[@]}"
  if [ $failed -eq 0 ]; then echo "check:native: all native checks passed"; else echo "check:native: FAILED"; fi
  exit $failed
}

# ---- prerequisites: libasan (gcc) and valgrind ---------------------------------------------------------------
LIBASAN=$(gcc -print-file-name=libasan.so 2>/dev/null || true)
need=()
[ -n "$LIBASAN" ] && [ -e "$LIBASAN" ] || need+=(libasan8)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
if [ ${#need[@]} -gt 0 ]; then
  echo "check:native: installing system packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "check:native: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "check:native: apt-get install ${need[*]} failed" >&2; exit 1; }
  LIBASAN=$(gcc -print-file-name=libasan.so)
fi
[ -e "$LIBASAN" ] || { echo "check:native: libasan.so not found (gcc -print-file-name=libasan.so)" >&2; exit 1; }

# ---- 1. builds --------------------------------------------------------------------------------------------
t=$(date +%s)
"$CMAKE_JS" build --out "$ASAN_DIR" --CDRICHSCALE_SANITIZE=ON --CDRICHSCALE_NATIVE_DRIVER=ON >"$ASAN_DIR.build.log" 2>&1
rc=$?
[ $rc -ne 0 ] && tail -40 "$ASAN_DIR.build.log"
record "build ASan+UBSan addon + driver (build-asan/)" $rc $(( $(date +%s) - t ))
asan_ok=$rc

t=$(date +%s)
"$CMAKE_JS" build --out "$MEMCHECK_DIR" --CDRICHSCALE_NATIVE_DRIVER=ON -T richscale_native_driver \
  >"$MEMCHECK_DIR.build.log" 2>&1
rc=$?
[ $rc -ne 0 ] && tail -40 "$MEMCHECK_DIR.build.log"
record "build plain driver for valgrind (build-memcheck/)" $rc $(( $(date +%s) - t ))
memcheck_ok=$rc

ASAN_DRIVER=$ASAN_DIR/richscale_native_driver
MEMCHECK_DRIVER=$MEMCHECK_DIR/richscale_native_driver
ASAN_ADDON=$ASAN_DIR/Release/richscale.node
# Driver (a plain executable): leak detection on. Node: see step 5.
DRIVER_ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
VALGRIND=(valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
  --track-origins=yes --error-exitcode=1)

# ---- 2. negative controls: each deliberate fault must be caught --------------------------------------------
if [ $asan_ok -eq 0 ] && [ $memcheck_ok -eq 0 ]; then
  t=$(date +%s)
  rc=0
  missed=()
  expect_caught() {  # expect_caught LABEL PATTERN COMMAND...
    local label=$1 pattern=$2 out
    shift 2
    out=$("$@" 2>&1)
    if [ $? -eq 0 ] || ! grep -qE "$pattern" <<<"$out"; then missed+=("$label"); rc=1; fi
  }
  for fault in heap-overflow leak; do
    expect_caught "asan:$fault" 'ERROR: (Address|Leak)Sanitizer' env ASAN_OPTIONS=$DRIVER_ASAN_OPTIONS "$ASAN_DRIVER" --fault=$fault
  done
  expect_caught "ubsan:ub" 'runtime error' env ASAN_OPTIONS=$DRIVER_ASAN_OPTIONS "$ASAN_DRIVER" --fault=ub
  expect_caught "valgrind:heap-overflow" 'Invalid read' "${VALGRIND[@]}" "$MEMCHECK_DRIVER" --fault=heap-overflow
  expect_caught "valgrind:leak" 'definitely lost' "${VALGRIND[@]}" "$MEMCHECK_DRIVER" --fault=leak
  expect_caught "valgrind:uninit" 'uninitialised' "${VALGRIND[@]}" "$MEMCHECK_DRIVER" --fault=uninit
  # The sanitized addon must refuse to load without libasan preloaded (proves it is instrumented), and load with it.
  if env -u LD_PRELOAD node -e "require(process.argv[1])" "$ASAN_ADDON" >/dev/null 2>&1; then
    missed+=("addon is not instrumented"); rc=1
  fi
  if ! env LD_PRELOAD="$LIBASAN" ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=1 \
      node -e "if (typeof require(process.argv[1]).simulateSeed !== 'function') process.exit(1)" "$ASAN_ADDON"; then
    missed+=("sanitized addon does not load under LD_PRELOAD"); rc=1
  fi
  record "negative controls (7 injected faults reported)" $rc $(( $(date +%s) - t )) "${missed[*]:+missed: ${missed[*]}}"
else
  skip "negative controls" "build failed"
fi

# ---- 3. driver under ASan + UBSan + LeakSanitizer ------------------------------------------------------------
if [ $asan_ok -eq 0 ]; then
  t=$(date +%s)
  ASAN_OPTIONS=$DRIVER_ASAN_OPTIONS "$ASAN_DRIVER" >"$ASAN_DIR/driver.log" 2>&1
  rc=$?
  if grep -qE 'Sanitizer|runtime error' "$ASAN_DIR/driver.log"; then rc=1; fi
  [ $rc -ne 0 ] && grep -vE '^ok ' "$ASAN_DIR/driver.log" | head -60
  record "driver under ASan+UBSan+LSan" $rc $(( $(date +%s) - t )) "$(tail -1 "$ASAN_DIR/driver.log")"
else
  skip "driver under ASan+UBSan+LSan" "build failed"
fi

# ---- 4. driver under valgrind memcheck ---------------------------------------------------------------------
if [ $memcheck_ok -eq 0 ]; then
  t=$(date +%s)
  "${VALGRIND[@]}" --log-file="$MEMCHECK_DIR/valgrind.log" "$MEMCHECK_DRIVER" >"$MEMCHECK_DIR/driver.log" 2>&1
  rc=$?
  errors=$(grep -oE 'ERROR SUMMARY: [0-9]+ errors' "$MEMCHECK_DIR/valgrind.log" | tail -1)
  heap=$(grep -oE 'All heap blocks were freed -- no leaks are possible|definitely lost: [0-9,]+ bytes' \
    "$MEMCHECK_DIR/valgrind.log" | tail -1)
  [ -z "$errors" ] && rc=1
  if [ $rc -ne 0 ]; then cat "$MEMCHECK_DIR/valgrind.log" | head -80; grep -vE '^ok ' "$MEMCHECK_DIR/driver.log" | head -40; fi
  record "driver under valgrind memcheck" $rc $(( $(date +%s) - t )) "$errors; $heap"
else
  skip "driver under valgrind memcheck" "build failed"
fi

# ---- 5. vitest suites with the sanitized addon inside Node -------------------------------------------------
# Node is not instrumented: libasan must be the first library loaded, hence LD_PRELOAD (inherited by the vitest
# forks). detect_leaks=0: V8 and Node keep allocations until exit by design. allow_user_segv_handler=1: Node
# installs its own SIGSEGV handler (WebAssembly trap handling). Reports go to per-process files in build-asan/logs
# (a report in a fork could otherwise be lost in vitest's output); any file there fails the check. The sanitized
# addon runs 2-4x slower, hence the longer per-test timeout.
if [ $asan_ok -eq 0 ]; then
  t=$(date +%s)
  rm -rf "$LOG_DIR"
  mkdir -p "$LOG_DIR"
  env LD_PRELOAD="$LIBASAN" RICHSCALE_ADDON="$ASAN_ADDON" \
    ASAN_OPTIONS="detect_leaks=0:allow_user_segv_handler=1:halt_on_error=1:log_path=$LOG_DIR/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOG_DIR/ubsan" \
    "$VITEST" run --testTimeout=900000 "${VITEST_SUITES[@]}" >"$ASAN_DIR/vitest.log" 2>&1
  rc=$?
  reports=$(find "$LOG_DIR" -type f -size +0 | wc -l)
  [ "$reports" -gt 0 ] && rc=1
  if [ $rc -ne 0 ]; then
    grep -E '✗|×|FAIL|Error' "$ASAN_DIR/vitest.log" | head -40
    for f in $(find "$LOG_DIR" -type f -size +0 | head -5); do echo "---- $f"; head -60 "$f"; done
  fi
  tests=$(grep -E '^ +Tests ' "$ASAN_DIR/vitest.log" | tail -1 | sed 's/^ *//')
  record "vitest (${VITEST_SUITES[*]}) with ASan+UBSan addon" $rc $(( $(date +%s) - t )) \
    "${tests:-no vitest summary (see build-asan/vitest.log)}; $reports sanitizer report(s)"
else
  skip "vitest with the ASan+UBSan addon" "build failed"
fi

finish

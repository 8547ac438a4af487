#!/bin/bash
# Format check: runs clang-format (style in .clang-format at the repository
# root) over Mica's C sources and headers, prints the files whose formatting
# differs and exits 1 if any do. With --fix it rewrites them in place instead.
#
# Usage: tools/format-check.sh [--fix] [FILE...]
#   FILE...  check only these files (default: every *.c and *.h git tracks);
#            a file named that is not C (*.c, *.h) is left alone
# Environment: CLANG_FORMAT names the binary (default: clang-format).
# Files under a directory whose .clang-format has DisableFormat (include/public/)
# are left alone by clang-format and so always pass.
set -euo pipefail

fix=false
files=()
for arg in "$@"; do
    case "$arg" in
    --fix) fix=true ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "format-check: unknown option $arg" >&2; exit 2 ;;
    *.c|*.h)
        if [ ! -f "$arg" ]; then
            echo "format-check: no such file: $arg" >&2
            exit 2
        fi
        files+=("$(realpath "$arg")")
        ;;
    *)
        # clang-format would rewrite a Python or Markdown file as if it were C.
        echo "format-check: not a C source or header, left alone: $arg" >&2
        ;;
    esac
done

cd "$(dirname "$0")/.."
root=$(pwd)
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
    echo "format-check: $CLANG_FORMAT not found (apt-get install clang-format)" >&2
    exit 2
fi

if [ ${#files[@]} -eq 0 ]; then
    # Everything tracked; nothing in the tree is generated or third-party
    # (build/ output is not tracked).
    mapfile -t files < <(git ls-files -- '*.c' '*.h')
else
    files=("${files[@]#"$root"/}")
fi

if $fix; then
    printf '%s\0' "${files[@]}" | xargs -0 -r "$CLANG_FORMAT" -i --style=file
    echo "format-check: formatted ${#files[@]} file(s)"
    exit 0
fi

bad=()
for f in "${files[@]}"; do
    if ! "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done

if [ ${#bad[@]} -gt 0 ]; then
    printf '%s\n' "${bad[@]}"
    echo "format-check: ${#bad[@]} of ${#files[@]} file(s) need formatting" \
         "(see: $CLANG_FORMAT --dry-run FILE; fix: tools/format-check.sh --fix)" >&2
    exit 1
fi
echo "format-check: ${#files[@]} file(s) formatted as .clang-format says"

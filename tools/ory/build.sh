#!/usr/bin/env bash
# Builds the pinned Kratos and Hydra binaries from their Go modules, once per
# version: binaries are cached under $ORY_BIN_DIR (default ~/.cache/oryauth/bin)
# by name and version, so a rebuild happens only when a pin in go.mod changes.
# Usage: tools/ory/build.sh [hydra|kratos ...]   (both when no argument)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${ORY_BIN_DIR:-$HOME/.cache/oryauth/bin}"
mkdir -p "$bin_dir"

# server name -> main package, and the package whose config.Version we stamp.
declare -A main_pkg=([hydra]=github.com/ory/hydra/v2 [kratos]=github.com/ory/kratos)
declare -A tags=([hydra]=sqlite,sqlite_omit_load_extension [kratos]=sqlite)

pinned_version() {  # the version of the server module required by the wrapper's go.mod
  (cd "$here/$1" && go list -m -f '{{.Version}}' "${main_pkg[$1]}")
}

build_one() {
  local name=$1 version target started
  version=$(pinned_version "$name")
  target="$bin_dir/$name-$version"
  if [[ -x "$target" ]]; then
    echo "ory-build: $name $version already built ($target)"
  else
    echo "ory-build: building $name $version (several minutes from a cold cache) ..."
    started=$(date +%s)
    (
      cd "$here/$name"
      CGO_ENABLED=1 go build -tags "${tags[$name]}" \
        -ldflags "-X ${main_pkg[$name]}/driver/config.Version=$version" \
        -o "$target.tmp" "${main_pkg[$name]}"
    )
    mv "$target.tmp" "$target"
    echo "ory-build: built $name $version in $(( $(date +%s) - started ))s"
  fi
  ln -sf "$target" "$bin_dir/$name"
}

if [[ $# -eq 0 ]]; then set -- kratos hydra; fi
for server in "$@"; do build_one "$server"; done

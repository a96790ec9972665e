#!/usr/bin/env bash
# Refreshes the GraphiQL page's assets from the npm registry: the packages' own files,
# byte for byte (the CDN option pins the same files with their hashes), and their licences.
#
#   src/graphiql/vendor/refresh.sh [GRAPHIQL_VERSION] [REACT_VERSION]
#
# GraphiQL 4 is the last major release with a UMD build that loads from a <script> tag; 5 is
# ESM with Monaco and would need a bundler. After changing a version, change it in the
# `ASSETS` table of src/graphiql/mod.rs too (the paths carry it), then `cargo test graphiql`.
set -euo pipefail
cd "$(dirname "$0")"
graphiql=${1:-4.1.2}
react=${2:-18.3.1}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Unpacks an npm package into $work/<name>; npm checks the tarball's integrity.
unpack() {
  local spec=$1 name=$2
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$work/$name"
  tar -xzf "$work"/"${name}"-*.tgz -C "$work/$name" --strip-components=1
}

unpack "graphiql@$graphiql" graphiql
unpack "react@$react" react
unpack "react-dom@$react" react-dom

rm -rf graphiql@* react@* react-dom@*
install -D -m 644 "$work/graphiql/graphiql.min.js" "graphiql@$graphiql/graphiql.min.js"
install -D -m 644 "$work/graphiql/graphiql.min.css" "graphiql@$graphiql/graphiql.min.css"
install -D -m 644 "$work/graphiql/LICENSE" "graphiql@$graphiql/LICENSE"
install -D -m 644 "$work/react/umd/react.production.min.js" "react@$react/umd/react.production.min.js"
install -D -m 644 "$work/react/LICENSE" "react@$react/LICENSE"
install -D -m 644 "$work/react-dom/umd/react-dom.production.min.js" \
  "react-dom@$react/umd/react-dom.production.min.js"
install -D -m 644 "$work/react-dom/LICENSE" "react-dom@$react/LICENSE"
ls -l ./*@*/* ./*@*/umd/*

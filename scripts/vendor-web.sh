#!/usr/bin/env bash
# Copy the browser libraries Belfort serves from node_modules into the static folder.
# package.json and package-lock.json pin their versions; run `npm ci` first, then this
# script, and commit what it copied: a fresh clone serves them without npm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$root/node_modules/leaflet/dist"
target="$root/src/belfort/web/static/vendor/leaflet"

if [ ! -f "$source_dir/leaflet.js" ]; then
  echo "vendor-web: $source_dir/leaflet.js is missing; run \`npm ci\` first" >&2
  exit 1
fi
wanted="$(node -p "require('$root/package.json').devDependencies.leaflet")"
found="$(node -p "require('$root/node_modules/leaflet/package.json').version")"
if [ "$wanted" != "$found" ]; then
  echo "vendor-web: package.json pins leaflet $wanted but node_modules holds $found; run \`npm ci\`" >&2
  exit 1
fi

rm -rf "$target"
mkdir -p "$target/images"
cp "$source_dir/leaflet.js" "$source_dir/leaflet.css" "$target/"
cp "$source_dir"/images/*.png "$target/images/"
cp "$root/node_modules/leaflet/LICENSE" "$target/LICENSE"
echo "$found" > "$target/VERSION"
echo "vendor-web: leaflet $found copied to ${target#"$root"/}"

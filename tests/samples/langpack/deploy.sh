#!/usr/bin/env bash
# Build the site and copy it to the web host.
set -euo pipefail

SITE_DIR="${SITE_DIR:-public}"
HOST="${DEPLOY_HOST:?set DEPLOY_HOST}"

# Print a message to stderr with a timestamp.
log() {
  printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

build() {
  log "building into $SITE_DIR"
  rm -rf "$SITE_DIR"
  hugo --minify --destination "$SITE_DIR"
}

function upload {
  log "uploading to $HOST"
  rsync -az --delete "$SITE_DIR/" "$HOST:/var/www/site/"
}

main() {
  build
  upload
  log "done"
}

main "$@"

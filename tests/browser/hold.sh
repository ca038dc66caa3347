#!/bin/sh
# A `$BROWSER` stand-in that holds the sign-in like a person who has not clicked yet: while the
# file $HOLD_BROWSER exists it waits (and says so by creating "$HOLD_BROWSER.waiting"), then
# follows the authorization URL as tests/browser/follow.sh does. Without $HOLD_BROWSER, or
# without that file, it follows at once.
#   HOLD_BROWSER=/tmp/x tests/browser/hold.sh <authorization-url>
if [ -n "$HOLD_BROWSER" ] && [ -e "$HOLD_BROWSER" ]; then
  : >"$HOLD_BROWSER.waiting"
  while [ -e "$HOLD_BROWSER" ]; do sleep 0.1; done
fi
exec "$(dirname "$0")/follow.sh" "$@"

#!/bin/sh
# A `--command` for the conformance runner that runs `latchkey doctor <url> --json` on the
# scenario's mock server instead of signing in, and keeps the checkup in
# $DOCTOR_OUT/<scenario with / as _>.json (crates/latchkey-cli/tests/e2e/checkup.rs reads it).
# The runner appends the server URL as the last argument.
url=$1
name=$(printf %s "${MCP_CONFORMANCE_SCENARIO:-unknown}" | tr / _)
"${LATCHKEY:?}" doctor "$url" --json >"${DOCTOR_OUT:?}/$name.json" 2>"$DOCTOR_OUT/$name.err"
echo "doctor exit $?" >>"$DOCTOR_OUT/$name.err"

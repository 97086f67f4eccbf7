#!/usr/bin/env bash
# Checks CONTRIBUTING's commit rules on every commit after the rule was first enforced (SINCE):
# a subject under 72 characters and, for commits that are not merges, a body after a blank line.
# Run by .ci/run; `tools/git/commit-msg` applies the same rule locally when installed as a hook
# (`git config core.hooksPath tools/git`).
set -euo pipefail
SINCE=6bdd454
cd "$(dirname "$0")/../.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check-commits: not a git clone, nothing to check"; exit 0
fi
if git cat-file -e "$SINCE^{commit}" 2>/dev/null; then
  range="$SINCE..HEAD"
else
  # A shallow clone without the rule's first commit: check what it has.
  range="HEAD"
  echo "check-commits: $SINCE is not in this clone; checking the commits it has"
fi
bad=0
while IFS= read -r sha; do
  subject=$(git log -1 --format=%s "$sha")
  parents=$(git log -1 --format=%p "$sha" | wc -w)
  if [ "${#subject}" -ge 72 ]; then
    echo "commit ${sha:0:7}: subject is ${#subject} characters (under 72 wanted): $subject"; bad=1
  fi
  if [ "$parents" -le 1 ] && [ -z "$(git log -1 --format=%b "$sha" | tr -d '[:space:]')" ]; then
    echo "commit ${sha:0:7}: no body saying why: $subject"; bad=1
  fi
done < <(git rev-list "$range")
if [ "$bad" -ne 0 ]; then
  echo "check-commits: see CONTRIBUTING.md, Commits"; exit 1
fi
echo "check-commits: $(git rev-list --count "$range") commits follow the rules"

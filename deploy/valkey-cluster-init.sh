#!/bin/sh
# One-shot job of docker-compose.cluster.yml: forms the Valkey Cluster once, then exits 0.
#   - every node already reports cluster_state:ok          -> nothing to do
#   - every node is empty (first start, fresh volumes)      -> valkey-cli --cluster create, then wait for ok
#   - the nodes already form a cluster that is not ok yet   -> wait for ok (a restart: nodes.conf survived)
#   - some nodes are empty, others are not                  -> exit 1: a volume was lost; repair by hand
# The API containers start only after this exits 0 (depends_on: condition: service_completed_successfully).
# Settings (environment): CLUSTER_NODES "host:port host:port ..." (required), CLUSTER_REPLICAS (default 1),
# CLUSTER_WAIT_SECONDS (default 60), VALKEY_CLI (default valkey-cli; redis-cli works too).
set -eu

CLI="${VALKEY_CLI:-valkey-cli}"
NODES="${CLUSTER_NODES:?set CLUSTER_NODES to the cluster's nodes, e.g. \"valkey-1:6379 valkey-2:6379\"}"
REPLICAS="${CLUSTER_REPLICAS:-1}"
WAIT_SECONDS="${CLUSTER_WAIT_SECONDS:-60}"

# One field of CLUSTER INFO on one node ("" when the node does not answer).
field() {
  "$CLI" -h "${1%:*}" -p "${1##*:}" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

all_ok() {
  for node in $NODES; do
    [ "$(field "$node" cluster_state)" = ok ] || return 1
  done
}

# Replicas whose link to their master is up (state=online), counted on the masters.
replicas_online() {
  count=0
  for node in $NODES; do
    online=$("$CLI" -h "${node%:*}" -p "${node##*:}" info replication 2>/dev/null | tr -d '\r' |
      grep -Ec '^(slave|replica)[0-9]+:.*state=online' || true)
    count=$((count + online))
  done
  echo "$count"
}

# Ready: every node sees all slots covered, and every replica has finished its first sync (so that
# REDIS_WAIT_REPLICAS can be met from the first request on).
ready() {
  all_ok && [ "$(replicas_online)" -ge "$EXPECTED_REPLICAS" ]
}

wait_ok() {
  waited=0
  until ready; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      echo "cluster-init: the cluster is not ready after ${WAIT_SECONDS}s:" >&2
      for node in $NODES; do echo "  $node cluster_state=$(field "$node" cluster_state)" >&2; done
      echo "  replicas online: $(replicas_online) of $EXPECTED_REPLICAS" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

total=0
for node in $NODES; do total=$((total + 1)); done
EXPECTED_REPLICAS=$((total * REPLICAS / (REPLICAS + 1)))

if all_ok; then
  echo "cluster-init: every node reports cluster_state:ok; nothing to do"
  exit 0
fi

empty=0
for node in $NODES; do
  known=$(field "$node" cluster_known_nodes)
  assigned=$(field "$node" cluster_slots_assigned)
  if [ -z "$known" ]; then
    echo "cluster-init: $node does not answer CLUSTER INFO (is it running with --cluster-enabled yes?)" >&2
    exit 1
  fi
  if [ "$known" = 1 ] && [ "$assigned" = 0 ]; then empty=$((empty + 1)); fi
done

if [ "$empty" -eq 0 ]; then
  echo "cluster-init: the nodes already form a cluster; waiting up to ${WAIT_SECONDS}s for it to be ready"
  wait_ok
  echo "cluster-init: cluster_state:ok, $EXPECTED_REPLICAS replicas online"
  exit 0
fi
if [ "$empty" -ne "$total" ]; then
  echo "cluster-init: $empty of $total nodes are empty and the others already belong to a cluster; refusing to" \
    "guess. Add the empty nodes by hand (valkey-cli --cluster add-node ... --cluster-slave), or remove every" \
    "volume to start over (this deletes every revocation)." >&2
  exit 1
fi

# CLUSTER MEET wants addresses, not names: resolve each host to its IPv4 address.
addresses=""
for node in $NODES; do
  host="${node%:*}"
  ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
  if [ -z "$ip" ]; then
    echo "cluster-init: cannot resolve $host" >&2
    exit 1
  fi
  addresses="$addresses $ip:${node##*:}"
done

echo "cluster-init: creating the cluster from$addresses ($REPLICAS replica(s) per master)"
# shellcheck disable=SC2086 # one argument per node
"$CLI" --cluster create $addresses --cluster-replicas "$REPLICAS" --cluster-yes
wait_ok
echo "cluster-init: cluster_state:ok, $EXPECTED_REPLICAS replicas online"
first="${NODES%% *}"
"$CLI" -h "${first%:*}" -p "${first##*:}" cluster nodes | tr -d '\r'

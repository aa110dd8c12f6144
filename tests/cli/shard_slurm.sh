#!/usr/bin/env bash
# The Slurm recipe of docs/scaling.md on a single-node cluster started here:
# munged, slurmctld and slurmd (Debian's munge and slurm-wlm) with a
# throw-away configuration in WORK (its own key, socket, ports, spool and
# logs; nothing of the machine's own Slurm or munge is used or changed), an
# array job of three shards of http-persistence, a merge job that depends
# on it (afterok), and every merged file the same as `appsim run -j 1`.
# The daemons are stopped by their process ids on exit.
# Exit 0 pass, 1 fail, 77 skip (a tool is missing, or not root: slurmd
# runs jobs as their user only as root).
# Usage: shard_slurm.sh BUILD_DIR SCENARIO WORK CTLD_PORT SLURMD_PORT
set -uo pipefail
build=$1 scenario=$2 work=$3 ctld_port=$4 d_port=$5
appsim="$build/appsim"
for tool in munged munge slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" >/dev/null ||
    { echo "SKIP: $tool is not installed (apt-get install slurm-wlm munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: slurmd needs root to run jobs"; exit 77; }
node=$(hostname -s)

mkdir -p "$work"/{munge,spool/d,spool/ctld,log,parts,logs} || exit 1
cleanup() {
  local f
  for f in "$work/d.pid" "$work/ctld.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  [ -S "$work/munge/sock" ] && munged -S "$work/munge/sock" --stop >/dev/null 2>&1
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/log/* "$work"/logs/*; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}

head -c 1024 /dev/urandom >"$work/munge/key" && chmod 600 "$work/munge/key"
munged -f -S "$work/munge/sock" --key-file="$work/munge/key" --log-file="$work/log/munged.log" \
  --pid-file="$work/munge/pid" --seed-file="$work/munge/seed" || fail "munged does not start"

cat >"$work/slurm.conf" <<EOF
ClusterName=appsimtest
SlurmctldHost=$node
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$work/munge/sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
SlurmctldPidFile=$work/ctld.pid
SlurmdPidFile=$work/d.pid
SlurmdSpoolDir=$work/spool/d
StateSaveLocation=$work/spool/ctld
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
MailProg=/bin/true
ReturnToService=2
NodeName=$node CPUs=1 State=UNKNOWN
PartitionName=appsimtest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -i || fail "slurmctld does not start"
slurmd || fail "slurmd does not start"
# Wait (at most 60 s) for the node to be idle.
for _ in $(seq 1 120); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %t 2>/dev/null | grep -q idle || fail "the node is not idle after 60 s: $(sinfo 2>&1)"

# The recipe of docs/scaling.md: one array task per shard, a dependent merge.
cat >"$work/shards.sh" <<EOF
#!/bin/sh
exec "$appsim" run "$scenario" --shard "\$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT" -j 1 -q \\
    -o "parts/\$SLURM_ARRAY_TASK_ID"
EOF
cd "$work" || exit 1
jid=$(sbatch --parsable --array=0-2 --output=logs/shard-%a.out shards.sh) || fail "sbatch of the shards"
mid=$(sbatch --parsable --dependency=afterok:"$jid" --output=logs/merge.out \
  --wrap "\"$appsim\" merge parts/0 parts/1 parts/2 -o merged") || fail "sbatch of the merge"
# Wait (at most 10 min) for both jobs to leave the queue.
for _ in $(seq 1 1200); do
  [ -z "$(squeue -h -j "$jid,$mid" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -j "$jid,$mid" 2>/dev/null)" ] || fail "the jobs are still queued after 10 min: $(squeue 2>&1)"
[ -f merged/summary.json ] || fail "the merge job wrote no results"

"$appsim" run "$scenario" -j 1 -q -o one >/dev/null 2>&1 || fail "appsim run -j 1"
diff -r one merged || fail "the merged results differ from appsim run -j 1"
echo "slurm: 3 array tasks and a dependent merge: $(find merged -type f | wc -l) files the same as appsim run -j 1"
exit 0

#!/usr/bin/python3
"""report_test.py: report.py (bench-e2e's figures) on fabricated runs.

Writes runs/ as bench-e2e.sh does (index.tsv, iperf3 JSON, CPU snapshots)
with known numbers into a scratch directory and checks result.json's
figures, medians, ratios and verdicts, the plot, --line, the exit status of
--require-ratio and the refusal of a run whose gateway exited. Exit status
77 (SKIP) when Debian's matplotlib is missing (report.py needs it for the
plot).
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "report.py")
HZ = 100
GATEWAY_PIDS = {"strait": (101, 102), "wireguard-go": (201, 202), "plain": ()}
KSOFTIRQD = (11, 12)
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAIL: {what}")


def stat_line(pid, comm, ticks):
    # /proc/PID/stat: utime and stime are fields 14 and 15.
    fields = ["S"] + ["0"] * 10 + [str(ticks // 2), str(ticks - ticks // 2)] + ["0"] * 30
    return f"pid {pid} {pid} ({comm}) {' '.join(fields)}"


def write_run(out, name, gbps, gw_ticks, ksoft_ticks, busy_ticks, client_pct, server_pct,
              pids, gone=False):
    seconds = 10.0
    received = gbps * 1e9 / 8 * seconds
    iperf = {
        "end": {
            "sum_sent": {"seconds": seconds, "bytes": received, "retransmits": 7},
            "sum_received": {"seconds": seconds, "bytes": received,
                             "bits_per_second": gbps * 1e9},
            "cpu_utilization_percent": {"host_total": client_pct, "remote_total": server_pct},
        }
    }
    with open(os.path.join(out, "runs", name + ".json"), "w") as f:
        json.dump(iperf, f)
    for when, scale in (("before", 0), ("after", 1)):
        lines = [f"clk_tck {HZ}", f"uptime {1000 + 10 * scale}"]
        busy = busy_ticks * scale
        # user nice system idle iowait irq softirq steal
        lines.append(f"cpu {busy // 2} 0 {busy - busy // 2 - 10 * scale} 500 0 0 {10 * scale} 0 0 0")
        lines.append(f"cpu0 {busy // 2} 0 {busy - busy // 2 - 10 * scale} 250 0 0 {10 * scale} 0 0 0")
        for pid in pids:
            if gone and scale:
                lines.append(f"pid {pid} ")
            else:
                lines.append(stat_line(pid, "gw", gw_ticks // len(pids) * scale))
        for pid in KSOFTIRQD:
            lines.append(stat_line(pid, f"ksoftirqd/{pid - 11}", ksoft_ticks // 2 * scale))
        with open(os.path.join(out, "runs", f"{name}.{when}"), "w") as f:
            f.write("\n".join(lines) + "\n")


def fabricate(out, strait_gbps, gone=False):
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    index = []
    rows = {
        # contender: (Gbit/s per round, gateway ticks, ksoftirqd ticks, busy ticks, client %, server %)
        "strait": (strait_gbps, 800, 20, 1800, 10.0, 5.0),
        "wireguard-go": ((0.2, 0.25, 0.3), 900, 20, 1900, 5.0, 5.0),
        "plain": ((2.0, 3.0, 2.5), 0, 100, 1500, 45.0, 40.0),
    }
    order = ["strait", "wireguard-go", "plain"]
    for r in range(1, 4):
        for k in range(3):
            c = order[(r - 1 + k) % 3]
            gbps, gw, ks, busy, cl, sv = rows[c]
            name = f"r{r:02d}-{c}"
            write_run(out, name, gbps[r - 1], gw, ks, busy, cl, sv, GATEWAY_PIDS[c],
                      gone=gone and c == "strait" and r == 2)
            index.append(f"{c}\t{r}\t{k}\t{name}\n")
    with open(os.path.join(out, "runs", "index.tsv"), "w") as f:
        f.writelines(index)


def report(*args):
    return subprocess.run(["/usr/bin/python3", REPORT, *args], capture_output=True, text=True,
                          timeout=120)


def main():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("SKIP: /usr/bin/python3 has no matplotlib (python3-matplotlib)")
        return 77
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "ok")
        fabricate(out, (1.0, 1.5, 0.9))
        done = report("--final", out, "--cpu-gateways", "1,1", "--cpu-hosts", "0,0")
        check(done.returncode == 0, f"--final exits 0 ({done.returncode}: {done.stderr})")
        with open(os.path.join(out, "result.json")) as f:
            result = json.load(f)
        runs = result["runs"]
        check(len(runs) == 9, "nine runs")
        first = next(r for r in runs if r["run"] == "r01-strait")
        gb = 1.0e9 / 8 * 10 / 1e9  # 1.25 GB
        check(abs(first["gateway_cpu_s"] - 8.0) < 1e-6, f"gateway CPU 8 s ({first['gateway_cpu_s']})")
        check(abs(first["ends_cpu_s"] - 1.5) < 1e-6, f"ends CPU 1.5 s ({first['ends_cpu_s']})")
        check(abs(first["ksoftirqd_cpu_s"] - 0.2) < 1e-6, "ksoftirqd CPU 0.2 s")
        check(abs(first["bench_cpu_s"] - 9.7) < 1e-6, "bench CPU 9.7 s")
        check(abs(first["system_cpu_s"] - 18.0) < 1e-6, f"system CPU 18 s ({first['system_cpu_s']})")
        check(abs(first["bench_cpu_s_per_gb"] - round(9.7 / gb, 4)) < 1e-4, "bench CPU per GB")
        check(first["retransmits"] == 7, "retransmits")
        plain = next(r for r in runs if r["contender"] == "plain")
        check(plain["gateway_cpu_s"] == 0, "no gateway CPU for plain forwarding")
        med = result["medians"]
        check(list(med) == ["strait", "wireguard-go", "plain"], f"contender order {list(med)}")
        check(med["strait"]["gbps"] == 1.0 and med["wireguard-go"]["gbps"] == 0.25,
              "median Gbit/s")
        check(med["plain"]["gbps"] == 2.5, "plain median Gbit/s")
        check(result["ratios"]["strait_over_wireguard_go"] == 4.0, "strait / wireguard-go 4")
        check(result["ratios"]["strait_over_plain"] == 0.4, "strait / plain 0.4")
        check(result["ratio_verdict"] == "PASS", "verdict PASS at 4")
        check(result["cpu_plan"]["gateway_tokyo"] == 1 and result["cpu_plan"]["iperf3_client"] == 0,
              "CPU plan")
        check("PASS: strait's median is 4.0 x" in done.stdout, "PASS line printed")
        with open(os.path.join(out, "plot.png"), "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "plot.png is a PNG")

        line = report("--line", out, "r02-plain")
        check(line.returncode == 0 and "round 2 plain" in line.stdout and "3.000 Gbit/s" in line.stdout,
              f"--line ({line.stdout!r})")

        required = report("--final", out, "--cpu-gateways", "1", "--cpu-hosts", "0",
                          "--require-ratio", "4.5")
        check(required.returncode == 2, f"REQUIRE_RATIO 4.5 fails with 2 ({required.returncode})")
        check("FAIL: REQUIRE_RATIO=4.5" in required.stderr, "REQUIRE_RATIO failure says why")

        slow = os.path.join(scratch, "slow")
        fabricate(slow, (0.5, 0.6, 0.7))
        done = report("--final", slow, "--cpu-gateways", "1", "--cpu-hosts", "0")
        check(done.returncode == 0 and "FAIL: strait's median is 2.4 x" in done.stdout,
              f"verdict FAIL at 2.4, reported only ({done.returncode}, {done.stdout!r})")

        gone = os.path.join(scratch, "gone")
        fabricate(gone, (1.0, 1.5, 0.9), gone=True)
        done = report("--final", gone, "--cpu-gateways", "1", "--cpu-hosts", "0")
        check(done.returncode == 1 and "exited during the run" in done.stderr,
              f"a gateway gone mid-run is refused ({done.returncode}, {done.stderr!r})")
        check(not os.path.exists(os.path.join(gone, "result.json")), "no result.json then")
    print("report_test: " + ("FAIL" if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""report.py: the figures of netns-lab/bench-e2e.sh.

  report.py --line OUT RUN      prints one run's figures (one line)
  report.py --final OUT [--backend B --mode M --strait-args A --seconds S
            --inner-mtu N --cpu-gateways P,T --cpu-hosts C,S --require-ratio X]
                                writes OUT/result.json and OUT/plot.png and
                                prints the table and the ratio verdict

Inputs, for each run listed in OUT/runs/index.tsv (contender, round,
position in the round, run name): OUT/runs/RUN.json (iperf3 -J of the
client) and OUT/runs/RUN.before / RUN.after (CPU snapshots taken just
before the iperf3 client started and just after it ended: `clk_tck N`,
/proc/uptime as `uptime`, /proc/stat's cpu lines, and `pid PID <the
/proc/PID/stat line>` for each gateway process and ksoftirqd thread).

Figures of a run (GB = 1e9 bytes received by the iperf3 server):
  gbps              iperf3's receiver bits per second / 1e9
  gateway_cpu_s     utime + stime of the gateway processes (both sites) over
                    the window; 0 for plain forwarding (no process: the
                    kernel forwards in softirq, in whichever context raised it)
  ends_cpu_s        the iperf3 client's and server's CPU time (iperf3's
                    cpu_utilization_percent host_total + remote_total times
                    the test's seconds)
  ksoftirqd_cpu_s   utime + stime of the ksoftirqd threads over the window
  bench_cpu_s       gateway + ends + ksoftirqd: every process of the run
                    (softirq work is counted in the process it ran in)
  system_cpu_s      every CPU's busy time in /proc/stat over the window (user,
                    nice, system, irq, softirq, steal): includes whatever else
                    the machine ran meanwhile
  *_per_gb          each divided by GB

Exit status: 0; 1 when an input is missing or malformed, or no plot could be
drawn (matplotlib missing: the JSON is written first); 2 when
--require-ratio is given and strait's median Gbit/s is below that multiple
of wireguard-go's.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

CONTENDERS = ("strait", "wireguard-go", "plain")  # and strait+NAME: STRAIT_VARIANTS
COLOURS = {"strait": "tab:blue", "wireguard-go": "tab:orange", "plain": "tab:grey"}
VARIANT_COLOURS = ("tab:green", "tab:purple", "tab:red", "tab:brown", "tab:pink", "tab:olive")


def known(name):
    return name in CONTENDERS or (name.startswith("strait+") and len(name) > 7)


def ordered(names):
    """strait, its variants (as given), wireguard-go, plain."""
    names = list(dict.fromkeys(names))
    variants = [n for n in names if n.startswith("strait+")]
    return [n for n in ("strait",) if n in names] + variants + [
        n for n in ("wireguard-go", "plain") if n in names
    ]


def colour(name, names):
    if name in COLOURS:
        return COLOURS[name]
    variants = [n for n in names if n.startswith("strait+")]
    return VARIANT_COLOURS[variants.index(name) % len(VARIANT_COLOURS)]
STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")


class InputError(Exception):
    pass


def read_snapshot(path):
    snap = {"pids": {}, "cpus": {}}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}")
    for line in lines:
        words = line.split()
        if not words:
            continue
        if words[0] == "clk_tck":
            snap["clk_tck"] = int(words[1])
        elif words[0] == "uptime":
            snap["uptime"] = float(words[1])
        elif words[0].startswith("cpu"):
            snap["cpus"][words[0]] = dict(zip(STAT_FIELDS, (int(w) for w in words[1:9])))
        elif words[0] == "pid":
            pid = int(words[1])
            rest = line.split(None, 2)[2] if len(words) > 2 else ""
            if ")" not in rest:
                snap["pids"][pid] = None  # the process was gone
                continue
            comm = rest[rest.index("(") + 1 : rest.rindex(")")]
            fields = rest[rest.rindex(")") + 2 :].split()
            # fields[0] is field 3 (state): utime and stime are fields 14, 15.
            snap["pids"][pid] = {"comm": comm, "ticks": int(fields[11]) + int(fields[12])}
    if "clk_tck" not in snap or "cpu" not in snap["cpus"]:
        raise InputError(f"{path}: not a CPU snapshot")
    return snap


def pid_seconds(before, after, pids):
    total = 0
    for pid in pids:
        b, a = before["pids"].get(pid), after["pids"].get(pid)
        if b is None or a is None:
            raise InputError(f"process {pid} is missing from a snapshot (it exited during the run)")
        total += a["ticks"] - b["ticks"]
    return total / before["clk_tck"]


def run_figures(out, contender, rnd, position, run):
    path = os.path.join(out, "runs", run + ".json")
    try:
        with open(path) as f:
            iperf = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: {e}")
    if "error" in iperf:
        raise InputError(f"{path}: iperf3: {iperf['error']}")
    try:
        received = iperf["end"]["sum_received"]
        sent = iperf["end"]["sum_sent"]
        util = iperf["end"]["cpu_utilization_percent"]
    except KeyError as e:
        raise InputError(f"{path}: no {e} in iperf3's result")
    before = read_snapshot(os.path.join(out, "runs", run + ".before"))
    after = read_snapshot(os.path.join(out, "runs", run + ".after"))
    all_pids = [p for p in before["pids"] if before["pids"][p] is not None]
    ksoftirqd = [p for p in all_pids if before["pids"][p]["comm"].startswith("ksoftirqd/")]
    gateways = [p for p in before["pids"] if p not in ksoftirqd]
    gateway_cpu = pid_seconds(before, after, gateways)
    # A ksoftirqd thread never exits; one missing is a CPU gone offline.
    ksoftirqd_cpu = pid_seconds(before, after, [p for p in ksoftirqd if after["pids"].get(p)])
    seconds = float(sent["seconds"])
    ends_cpu = (float(util["host_total"]) + float(util["remote_total"])) / 100.0 * seconds
    hz = before["clk_tck"]
    total_b, total_a = before["cpus"]["cpu"], after["cpus"]["cpu"]
    system_cpu = sum(total_a[k] - total_b[k] for k in BUSY_FIELDS) / hz
    softirq = (total_a["softirq"] - total_b["softirq"]) / hz
    per_cpu_busy = {}
    for name in sorted(before["cpus"]):
        if name == "cpu" or name not in after["cpus"]:
            continue
        per_cpu_busy[name[3:]] = round(
            sum(after["cpus"][name][k] - before["cpus"][name][k] for k in BUSY_FIELDS) / hz, 3
        )
    gb = received["bytes"] / 1e9
    if gb <= 0:
        raise InputError(f"{path}: nothing was received")
    bench_cpu = gateway_cpu + ends_cpu + ksoftirqd_cpu
    fig = {
        "contender": contender,
        "round": rnd,
        "position": position,
        "run": run,
        "gbps": received["bits_per_second"] / 1e9,
        "bytes": received["bytes"],
        "seconds": float(received["seconds"]),
        "retransmits": sent.get("retransmits"),
        "window_s": after.get("uptime", 0) - before.get("uptime", 0),
        "gateway_cpu_s": gateway_cpu,
        "ends_cpu_s": ends_cpu,
        "client_cpu_percent": float(util["host_total"]),
        "server_cpu_percent": float(util["remote_total"]),
        "ksoftirqd_cpu_s": ksoftirqd_cpu,
        "bench_cpu_s": bench_cpu,
        "system_cpu_s": system_cpu,
        "system_softirq_s": softirq,
        "system_busy_s_per_cpu": per_cpu_busy,
        "gateway_cpu_s_per_gb": gateway_cpu / gb,
        "bench_cpu_s_per_gb": bench_cpu / gb,
        "system_cpu_s_per_gb": system_cpu / gb,
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in fig.items()}


def read_runs(out):
    index = os.path.join(out, "runs", "index.tsv")
    runs = []
    try:
        with open(index) as f:
            for line in f:
                words = line.split()
                if len(words) != 4 or not known(words[0]):
                    raise InputError(f"{index}: bad line {line!r}")
                runs.append(run_figures(out, words[0], int(words[1]), int(words[2]), words[3]))
    except OSError as e:
        raise InputError(f"{index}: {e.strerror}")
    return runs


def format_line(f):
    return (
        f"round {f['round']} {f['contender']:<15} {f['gbps']:6.3f} Gbit/s  "
        f"retr {f['retransmits']:>5}  CPU s/GB: gateways {f['gateway_cpu_s_per_gb']:5.2f} "
        f"bench {f['bench_cpu_s_per_gb']:5.2f} system {f['system_cpu_s_per_gb']:5.2f}"
    )


def command_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def medians(runs):
    keys = (
        "gbps",
        "retransmits",
        "gateway_cpu_s_per_gb",
        "bench_cpu_s_per_gb",
        "system_cpu_s_per_gb",
        "gateway_cpu_s",
        "bench_cpu_s",
    )
    result = {}
    for c in ordered(r["contender"] for r in runs):
        mine = [r for r in runs if r["contender"] == c]
        result[c] = {"runs": len(mine)}
        for k in keys:
            values = [r[k] for r in mine if r[k] is not None]
            result[c][k] = round(statistics.median(values), 4) if values else None
        gbps = [r["gbps"] for r in mine]
        result[c]["gbps_min"] = min(gbps)
        result[c]["gbps_max"] = max(gbps)
    return result


def ratio(a, b):
    return round(a / b, 3) if b else None


def plot(out, result):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: /usr/bin/python3 has no matplotlib (python3-matplotlib, ci/install-deps)"
    runs = result["runs"]
    med = result["medians"]
    names = list(med)
    COLOURS.update({n: colour(n, names) for n in names})
    fig, (top, bottom) = plt.subplots(1, 2, figsize=(max(11, 3.2 * len(names) + 1.5), 4.8))
    for x, c in enumerate(names):
        mine = [r for r in runs if r["contender"] == c]
        spread = [(r["round"] - (len(mine) + 1) / 2) * 0.06 for r in mine]
        top.scatter(
            [x + s for s in spread], [r["gbps"] for r in mine], color=COLOURS[c], zorder=3, s=28
        )
        for s, r in zip(spread, mine):
            top.annotate(str(r["round"]), (x + s, r["gbps"]), textcoords="offset points",
                         xytext=(5, -3), fontsize=7, color="dimgrey")
        top.hlines(med[c]["gbps"], x - 0.3, x + 0.3, color=COLOURS[c], linewidth=2)
        top.annotate(f"{med[c]['gbps']:.2f}", (x + 0.3, med[c]["gbps"]), textcoords="offset points",
                     xytext=(2, 2), fontsize=8)
        for key, marker in (("bench_cpu_s_per_gb", "o"), ("gateway_cpu_s_per_gb", "^")):
            bottom.scatter(
                [x + s for s in spread],
                [r[key] for r in mine],
                color=COLOURS[c],
                marker=marker,
                facecolors=COLOURS[c] if marker == "o" else "none",
                s=28,
                zorder=3,
            )
            bottom.hlines(med[c][key], x - 0.3, x + 0.3, color=COLOURS[c], linewidth=2,
                          linestyle="-" if marker == "o" else ":")
    ratios = result["ratios"]
    top.set_title(
        "iperf3 TCP paris -> tokyo, every run (numbers: round), bars: medians\n"
        f"strait / wireguard-go = {ratios['strait_over_wireguard_go']}, "
        f"strait / plain = {ratios['strait_over_plain']}",
        fontsize=9,
    )
    top.set_ylabel("Gbit/s (receiver)")
    bottom.set_title("CPU seconds per GB received (o: every process of the run,\n"
                     "^: the gateway processes alone; bars: medians)", fontsize=9)
    bottom.set_ylabel("CPU s / GB")
    from matplotlib.lines import Line2D

    bottom.legend(
        handles=[
            Line2D([], [], marker="o", color="dimgrey", linestyle="-",
                   label="every process of the run"),
            Line2D([], [], marker="^", color="dimgrey", markerfacecolor="none", linestyle=":",
                   label="the gateway processes"),
        ],
        fontsize=8,
    )
    for ax in (top, bottom):
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names)
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    setup = result["setup"]
    plan = result["cpu_plan"]
    fig.suptitle(
        f"strait bench-e2e: {setup['backend']}, {setup['mode']}"
        f"{', ' + setup['strait_args'] if setup['strait_args'] else ''}; {setup['seconds']} s runs; "
        f"gateways on CPU {plan['gateway_paris']},{plan['gateway_tokyo']}, "
        f"iperf3 on CPU {plan['iperf3_client']},{plan['iperf3_server']}\n"
        f"{result['machine']['cpu_model']} ({result['machine']['cpus']} CPUs), "
        f"Linux {result['machine']['kernel']}",
        fontsize=9,
    )
    fig.tight_layout()
    path = os.path.join(out, "plot.png")
    fig.savefig(path, dpi=110)
    return None


def final(args):
    runs = read_runs(args.out)
    if not runs:
        raise InputError("no runs")
    med = medians(runs)
    st, gw, pl = (med.get(c, {}) for c in CONTENDERS)
    ratios = {
        "strait_over_wireguard_go": ratio(st.get("gbps", 0), gw.get("gbps", 0)),
        "strait_over_plain": ratio(st.get("gbps", 0), pl.get("gbps", 0)),
        "wireguard_go_over_strait_bench_cpu_per_gb": ratio(
            gw.get("bench_cpu_s_per_gb", 0), st.get("bench_cpu_s_per_gb", 0)
        ),
        "wireguard_go_over_strait_gateway_cpu_per_gb": ratio(
            gw.get("gateway_cpu_s_per_gb", 0), st.get("gateway_cpu_s_per_gb", 0)
        ),
    }
    for name in med:
        if name.startswith("strait+"):
            ratios[f"{name}_over_strait"] = ratio(med[name]["gbps"], st.get("gbps", 0))
            ratios[f"{name}_over_wireguard_go"] = ratio(med[name]["gbps"], gw.get("gbps", 0))
    gateways = args.cpu_gateways.split(",")
    hosts = args.cpu_hosts.split(",")
    required = float(args.require_ratio) if args.require_ratio else None
    achieved = ratios["strait_over_wireguard_go"]
    verdict = "PASS" if achieved is not None and achieved >= 3 else "FAIL"
    result = {
        "schema": "strait-bench-e2e/1",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": command_output(
            ["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "HEAD"]
        ),
        "machine": {
            "cpu_model": cpu_model(),
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "iperf3": command_output(["iperf3", "--version"]).split("\n")[0],
            "wireguard_go": command_output(["wireguard-go", "--version"]).split("\n")[0],
        },
        "setup": {
            "backend": args.backend,
            "mode": args.mode,
            "strait_args": args.strait_args,
            "strait_variants": args.variants,
            "seconds": args.seconds,
            "inner_mtu": args.inner_mtu,
            "rounds": max(r["round"] for r in runs),
            "order": "round r runs the contenders (strait, wireguard-go, plain, then "
            "strait's variants) rotated left by r - 1",
            "traffic": "iperf3 TCP, one stream, host-paris -> host-tokyo, offloads off",
        },
        "cpu_plan": {
            "gateway_paris": int(gateways[0]),
            "gateway_tokyo": int(gateways[-1]),
            "iperf3_client": int(hosts[0]),
            "iperf3_server": int(hosts[-1]),
            "note": (
                "taskset pins each gateway process (strait: also its worker, --cpu; "
                "wireguard-go: GOMAXPROCS follows the mask) and each iperf3 end. "
                "Plain forwarding has no process: the kernel forwards in softirq on "
                "the CPU that raised it (the sender's: the iperf3 ends', or ksoftirqd "
                "there), as does the veth and AF_XDP copy work of every contender."
            ),
        },
        "definitions": {
            "GB": "1e9 bytes received by the iperf3 server",
            "gateway_cpu_s": "utime + stime of both gateway processes over the run "
            "(0 for plain)",
            "ends_cpu_s": "iperf3 client + server CPU time (iperf3's rusage figures)",
            "ksoftirqd_cpu_s": "utime + stime of the ksoftirqd threads over the run",
            "bench_cpu_s": "gateway + ends + ksoftirqd: every process of the run; "
            "softirq work is counted in the process it ran in",
            "system_cpu_s": "busy time of every CPU (/proc/stat) over the run, "
            "other load on the machine included",
        },
        "runs": runs,
        "medians": med,
        "ratios": ratios,
        "ratio_target": 3,
        "ratio_verdict": verdict,
        "require_ratio": required,
    }
    path = os.path.join(args.out, "result.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    plot_error = plot(args.out, result)

    print()
    print(f"bench-e2e: {result['machine']['cpu_model']}, {result['machine']['cpus']} CPUs, "
          f"Linux {result['machine']['kernel']}; {args.backend}, {args.mode}"
          f"{', ' + args.strait_args if args.strait_args else ''}; {args.seconds} s runs")
    print(f"  {'contender':<16}{'runs':>5}{'median':>9}{'min':>8}{'max':>8}{'retr':>7}"
          f"{'CPU s/GB: gateways':>20}{'bench':>7}{'system':>8}")
    for c in med:
        m = med[c]
        print(f"  {c:<16}{m['runs']:>5}{m['gbps']:>9.3f}{m['gbps_min']:>8.3f}{m['gbps_max']:>8.3f}"
              f"{m['retransmits'] if m['retransmits'] is not None else '-':>7}"
              f"{m['gateway_cpu_s_per_gb']:>20.2f}{m['bench_cpu_s_per_gb']:>7.2f}"
              f"{m['system_cpu_s_per_gb']:>8.2f}")
    print("  (Gbit/s; CPU seconds per GB received, medians: gateways = the gateway processes, "
          "bench = every process of the run, system = all CPUs' busy time)")
    print(f"  strait / wireguard-go: {achieved}   strait / plain: {ratios['strait_over_plain']}")
    for name in med:
        if name.startswith("strait+"):
            print(f"  {name} / strait: {ratios[name + '_over_strait']}   "
                  f"{name} / wireguard-go: {ratios[name + '_over_wireguard_go']}")
    print(f"bench-e2e: {verdict}: strait's median is {achieved} x wireguard-go's (target 3)")
    print(f"bench-e2e: {path}")
    status = 0
    if plot_error:
        print(f"bench-e2e: {plot_error}", file=sys.stderr)
        status = 1
    else:
        print(f"bench-e2e: {os.path.join(args.out, 'plot.png')}")
    if required is not None and (achieved is None or achieved < required):
        print(f"bench-e2e: FAIL: REQUIRE_RATIO={args.require_ratio}: strait / wireguard-go is "
              f"{achieved}", file=sys.stderr)
        status = 2
    return status


def main():
    parser = argparse.ArgumentParser(description="the figures of bench-e2e.sh")
    parser.add_argument("--line", nargs=2, metavar=("OUT", "RUN"))
    parser.add_argument("--final", metavar="OUT")
    parser.add_argument("--backend", default="xdp")
    parser.add_argument("--mode", default="key-exchange")
    parser.add_argument("--strait-args", default="")
    parser.add_argument("--variants", default="")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--inner-mtu", type=int, default=1440)
    parser.add_argument("--cpu-gateways", default="")
    parser.add_argument("--cpu-hosts", default="")
    parser.add_argument("--require-ratio", default="")
    args = parser.parse_args()
    try:
        if args.line:
            out, run = args.line
            with open(os.path.join(out, "runs", "index.tsv")) as f:
                rows = [line.split() for line in f]
            row = next((r for r in rows if len(r) == 4 and r[3] == run), None)
            if row is None:
                raise InputError(f"no run {run} in the index")
            print("  " + format_line(run_figures(out, row[0], int(row[1]), int(row[2]), run)))
            return 0
        if args.final:
            args.out = args.final
            return final(args)
    except InputError as e:
        print(f"bench-e2e: {e}", file=sys.stderr)
        return 1
    parser.print_usage(sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

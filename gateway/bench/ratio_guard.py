#!/usr/bin/python3
"""The benchmark's ratio guard (CTest bench_ratio_guard, label unit).

Runs a short `strait bench` at 60-byte frames and fails when the pipeline
to cryptography ratio (both timed in the same process, round by round,
interleaved, in the thread's CPU time; the median of the rounds' ratios) is
more than the committed margin (25 %) above the committed figure,
ratio_baseline.json. A ratio, so a slower or busier machine slows both
sides alike and does not fail it. It runs twice, pinned to each of the
first two CPUs it may use, and judges the lower ratio: a core shared with
a noisy neighbour for a whole run (the rounds then all suffer alike) does
not fail it either, while a slower pipeline raises both.

--expect-trip (CTest bench_ratio_guard_trips) turns the verdict round: with
--pipeline-delay NS (busy time added per packet to the pipeline's rounds
only) the guard must fail, else this exits 1: the guard's own test.
"""

import argparse
import json
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strait", required=True, help="the strait executable")
    parser.add_argument("--baseline", required=True, help="ratio_baseline.json")
    parser.add_argument("--pipeline-delay", type=float, default=0,
                        help="nanoseconds added per packet to the pipeline (test hook)")
    parser.add_argument("--expect-trip", action="store_true",
                        help="succeed only if the guard trips")
    args = parser.parse_args()

    with open(args.baseline, encoding="utf-8") as f:
        baseline = json.load(f)
    cpus = sorted(os.sched_getaffinity(0))[:2]
    results = []
    for cpu in cpus:
        command = [args.strait, "bench", "--size", str(baseline["size"]),
                   "--packets", str(baseline["packets"]), "--rounds", str(baseline["rounds"]),
                   "--cpu", str(cpu), "--json"]
        if args.pipeline_delay:
            command += ["--pipeline-delay", str(args.pipeline_delay)]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=100,
                                 check=False)
        except subprocess.TimeoutExpired:
            print("ratio guard: %s took more than 100 s" % " ".join(command))
            return 1
        if run.returncode != 0:
            print("ratio guard: %s failed (exit %d):\n%s" % (" ".join(command), run.returncode,
                                                              run.stderr.strip()))
            return 1
        result = json.loads(run.stdout)
        results.append(result)
        print("ratio guard: CPU %d: %s B pipeline %.1f ns / cryptography %.1f ns per packet = "
              "%.3f (median of %d rounds: %s; ESP %s)" %
              (cpu, result["size"], result["pipeline_ns"], result["crypto_ns"], result["ratio"],
               result["rounds"], ", ".join("%.3f" % r for r in result["ratio_rounds"]),
               result["esp"]))
    result = min(results, key=lambda r: r["ratio"])
    limit = baseline["ratio"] * (1 + baseline["margin"])
    tripped = result["ratio"] > limit
    print("ratio guard: %.3f (the lower), committed %.3f, limit %.3f: %s" %
          (result["ratio"], baseline["ratio"], limit, "REGRESSED" if tripped else "ok"))
    if args.expect_trip:
        if tripped:
            print("ratio guard: tripped, as it must with the pipeline slowed by %g ns a packet"
                  % args.pipeline_delay)
            return 0
        print("ratio guard: did NOT notice a pipeline slowed by %g ns a packet"
              % args.pipeline_delay)
        return 1
    if tripped:
        print("ratio guard: the pipeline regressed against %s: profile it (README, The "
              "benchmark), or if the change is meant, commit the new figure there"
              % args.baseline)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

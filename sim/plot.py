#!/usr/bin/python3
"""plot.py DIR: the picture of one `strait sim` run.

Reads DIR/samples.csv (`time,series,value`: cumulative counters sampled over
time) and DIR/events.csv (`time,kind,detail`) and writes DIR/plot.svg: one
figure, one time axis (hours when the run is longer than 2 h, minutes when
longer than 2 min, else seconds), with the panels

  * throughput: delivered packets per second of every flow (differences of
    the cumulative `flow/NAME/delivered` samples);
  * key exchange: per region, the cumulative `key-manager/keypairs-negotiated`
    (and `keypairs-offered`), `inbound-sa-expired` and `outbound-sa-expired`
    as step counts;
  * SAs (only when `REGION/inbound-sa-count` or `outbound-sa-count` is
    sampled): SAs installed per region;
  * losses: cumulative `flow/NAME/lost` and `link/A-B/dropped`;

and the scenario's events (link-down, link-up, restart, config, clock-jump,
invariant, ...) as vertical lines across every panel, labelled in the top
one. SA installs
and expiries listed in events.csv are not drawn as lines: the key exchange
panel shows them. A series that is missing is simply not drawn.

The SVG is byte-identical for identical inputs (fixed svg.hashsalt, no date,
series in sorted order). Prints the path of the SVG and exits 0; exits 1
with a message when a CSV is missing or malformed.

Needs Debian's python3-matplotlib (ci/install-deps).
"""

import csv
import math
import os
import sys

USAGE = "usage: plot.py DIR   (reads DIR/samples.csv and DIR/events.csv, writes DIR/plot.svg)"

# events.csv kinds that are SA lifecycle records, not scenario events: they
# would bury the scenario's events under hundreds of lines in a long run.
SA_EVENT_WORDS = ("sa-install", "sa-expire", "sa-installed", "sa-expired", "install", "expir",
                  "negotiat", "rekey", "keypair")
EVENT_COLORS = {
    "link-down": "#d62728",
    "link-up": "#2ca02c",
    "restart": "#9467bd",
    "config": "#1f77b4",
    "clock-jump": "#ff7f0e",
    "invariant": "#e31a1c",
}
OTHER_EVENT_COLOR = "#7f7f7f"
MAX_EVENT_LABELS = 60  # beyond that, lines keep their colour but lose their text


class InputError(Exception):
    pass


def read_csv(path, header, name):
    """Rows of `path` as (line, time, fields...) after checking the header."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: missing (expected the {name} of a `strait sim --out DIR` run)")
    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            first = next(reader, None)
            if first is None:
                raise InputError(f"{path}: empty, expected the header '{','.join(header)}'")
            if [c.strip() for c in first] != header:
                raise InputError(f"{path}:1: header is '{','.join(first)}', "
                                 f"expected '{','.join(header)}'")
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) < len(header):
                    raise InputError(f"{path}:{line}: {len(row)} field(s), expected "
                                     f"{len(header)} ({','.join(header)})")
                if len(row) > len(header):
                    # The last column is free text: an unquoted comma in it
                    # belongs to it.
                    row = row[:len(header) - 1] + [",".join(row[len(header) - 1:])]
                rows.append((line, row))
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise InputError(f"{path}: {e}") from None
    return rows


def number(path, line, column, text):
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: {column} '{text}' is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}:{line}: {column} '{text}' is not a finite number")
    return value


def read_samples(directory):
    path = os.path.join(directory, "samples.csv")
    series = {}
    for line, (t, name, v) in read_csv(path, ["time", "series", "value"], "samples"):
        name = name.strip()
        if not name:
            raise InputError(f"{path}:{line}: empty series name")
        time = number(path, line, "time", t)
        if time < 0:
            raise InputError(f"{path}:{line}: time {t} is negative")
        series.setdefault(name, []).append((time, number(path, line, "value", v)))
    for points in series.values():
        points.sort(key=lambda p: p[0])
    return series


def read_events(directory):
    path = os.path.join(directory, "events.csv")
    events = []
    for line, (t, kind, detail) in read_csv(path, ["time", "kind", "detail"], "events"):
        kind = kind.strip()
        if not kind:
            raise InputError(f"{path}:{line}: empty event kind")
        events.append((number(path, line, "time", t), kind, detail.strip()))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return events


def is_sa_event(kind):
    k = kind.lower()
    if k in EVENT_COLORS:
        return False
    return any(word in k for word in SA_EVENT_WORDS)


def time_unit(end):
    if end > 2 * 3600:
        return 3600.0, "hours"
    if end > 120:
        return 60.0, "minutes"
    return 1.0, "seconds"


def split(name):
    """('flow', 'NAME', 'delivered') for flow/NAME/delivered; region series
    are REGION/...; link series link/A-B/dropped."""
    return name.split("/")


def rate_of(points):
    """Per-second rate over each sampling interval, as (t_end, rate)."""
    out = []
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t1 > t0:
            out.append((t1, (v1 - v0) / (t1 - t0)))
    return out


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if len(argv) != 2 else sys.stdout)
        return 0 if len(argv) == 2 else 1
    directory = argv[1]
    if not os.path.isdir(directory):
        print(f"plot.py: {directory}: not a directory", file=sys.stderr)
        return 1
    try:
        samples = read_samples(directory)
        events = read_events(directory)
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 1

    try:
        import matplotlib
    except ImportError:
        print("plot.py: python3-matplotlib is not installed (apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 1
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "strait-sim-plot"
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["path.simplify"] = True
    matplotlib.rcParams["font.size"] = 8
    import matplotlib.pyplot as plt

    times = [t for points in samples.values() for t, _ in points] + [e[0] for e in events]
    end = max(times) if times else 1.0
    scale, unit = time_unit(end)

    names = sorted(samples)
    delivered = [n for n in names if split(n)[0] == "flow" and n.endswith("/delivered")]
    km_kinds = ("keypairs-negotiated", "keypairs-offered", "inbound-sa-expired",
                "outbound-sa-expired")
    key_exchange = [n for n in names
                    if len(split(n)) == 3 and split(n)[1] == "key-manager" and split(n)[2] in km_kinds]
    sa_count = [n for n in names
                if len(split(n)) == 2 and split(n)[1] in ("inbound-sa-count", "outbound-sa-count")]
    losses = [n for n in names if (split(n)[0] == "flow" and n.endswith("/lost"))
              or (split(n)[0] == "link" and n.endswith("/dropped"))]

    panels = [("throughput", "delivered packets/s"), ("key-exchange", "SA installs / expiries")]
    if sa_count:
        panels.append(("sa-count", "SAs installed"))
    panels.append(("losses", "packets lost / dropped"))

    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(11, 2.6 * len(panels) + 0.8),
                             squeeze=False)
    axes = [a[0] for a in axes]
    ax_of = {key: ax for (key, _), ax in zip(panels, axes)}
    for (key, label), ax in zip(panels, axes):
        ax.set_ylabel(label)
        ax.grid(True, linewidth=0.3, alpha=0.5)

    def x(t):
        return t / scale

    def draw_steps(ax, points, label, style="-"):
        if not points:
            return
        ax.step([x(t) for t, _ in points], [v for _, v in points], where="post", linestyle=style,
                linewidth=1.0, label=label)

    ax = ax_of["throughput"]
    for n in delivered:
        r = rate_of(samples[n])
        if r:
            ax.step([x(t) for t, _ in r], [v for _, v in r], where="pre", linewidth=1.0,
                    label=split(n)[1] if len(split(n)) == 3 else n)
    ax.set_title("throughput per flow")

    ax = ax_of["key-exchange"]
    styles = {"keypairs-negotiated": "-", "keypairs-offered": "-.", "inbound-sa-expired": "--",
              "outbound-sa-expired": ":"}
    for n in key_exchange:
        region, _, what = split(n)
        draw_steps(ax, samples[n], f"{region} {what}", styles[what])
    ax.set_title("key exchange: SAs negotiated (cumulative) and expired (cumulative)")

    if sa_count:
        ax = ax_of["sa-count"]
        for n in sa_count:
            region, what = split(n)
            draw_steps(ax, samples[n], f"{region} {what.replace('-sa-count', '')}",
                       "-" if what.startswith("inbound") else "--")
        ax.set_title("SAs installed per region (summed over queues)")

    ax = ax_of["losses"]
    for n in losses:
        parts = split(n)
        label = (f"flow {parts[1]} lost" if parts[0] == "flow" else f"link {parts[1]} dropped")
        draw_steps(ax, samples[n], label)
    ax.set_title("losses (cumulative)")

    for ax in axes:
        if ax.lines:
            ax.legend(loc="upper left", fontsize=6, ncol=3, framealpha=0.7)
        else:
            ax.text(0.5, 0.5, "no samples", transform=ax.transAxes, ha="center", va="center",
                    color="#999999")
        ax.set_xlim(0, x(end) if end > 0 else 1)
        values = [v for line in ax.lines for v in line.get_ydata()]
        low = min([0.0] + values)
        high = max([1.0] + values)
        ax.set_ylim(low, high * 1.08 if high > 0 else 1.0)

    scenario_events = [e for e in events if not is_sa_event(e[1])]
    for i, (t, kind, detail) in enumerate(scenario_events):
        color = EVENT_COLORS.get(kind, OTHER_EVENT_COLOR)
        for ax in axes:
            ax.axvline(x(t), color=color, linewidth=0.8, linestyle="--", alpha=0.8)
        if i < MAX_EVENT_LABELS:
            text = kind + (f": {detail}" if detail else "")
            if len(text) > 40:
                text = text[:39] + "\u2026"
            axes[0].text(x(t), 0.98, text, transform=axes[0].get_xaxis_transform(), rotation=90,
                         ha="right", va="top", fontsize=5.5, color=color, clip_on=True)

    axes[-1].set_xlabel(f"time ({unit})")
    fig.suptitle("strait sim")  # no directory name: the same run elsewhere gives the same bytes
    fig.tight_layout()
    out = os.path.join(directory, "plot.svg")
    try:
        fig.savefig(out, format="svg", metadata={"Date": None})
    except OSError as e:
        print(f"plot.py: {out}: {e.strerror}", file=sys.stderr)
        return 1
    plt.close(fig)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

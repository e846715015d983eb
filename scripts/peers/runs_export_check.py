"""Reads `loupe runs export --tensorboard` output with the real tensorboard package and checks it
against the run store's own account (`loupe runs show ID --json`): every scalar key and its point
count, the validation metrics' values (as float32), the findings text and the HParams sessions.

Usage: runs_export_check.py LOGDIR SHOW.json [SHOW.json ...]
"""
import glob
import json
import math
import os
import struct
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def main():
    logdir, shows = sys.argv[1], sys.argv[2:]
    problems = []
    for path in shows:
        show = json.load(open(path))
        info = show["run"]["info"]
        folder = os.path.join(logdir, f'{info["name"]}-{info["id"]}')
        if not os.path.isdir(folder):
            problems.append(f"no folder {folder}")
            continue
        ea = EventAccumulator(folder, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
        ea.Reload()
        tags = ea.Tags()
        summaries = show["run"]["summaries"]
        for key, summary in summaries.items():
            if key not in tags["scalars"]:
                problems.append(f"{info['id']}: scalar {key} missing")
                continue
            events = ea.Scalars(key)
            if len(events) != summary["count"]:
                problems.append(f"{info['id']}: {key} has {len(events)} points, the store {summary['count']}")
            last = events[-1]
            expected = summary["last"]
            if isinstance(expected, str):
                expected = float(expected)
            if not (math.isnan(expected) and math.isnan(last.value)) and last.value != f32(expected):
                problems.append(f"{info['id']}: {key} last {last.value} != {expected}")
            if last.step != summary["lastStep"]:
                problems.append(f"{info['id']}: {key} last step {last.step} != {summary['lastStep']}")
        if show["findings"] and "findings" not in tags["tensors"]:
            problems.append(f"{info['id']}: findings text missing")
        for tag in ("_hparams_/session_start_info", "_hparams_/session_end_info"):
            if tag not in tags["tensors"]:
                problems.append(f"{info['id']}: {tag} missing")
    experiment = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    if not experiment:
        problems.append("no HParams experiment file at the top of the log directory")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"tensorboard read {len(shows)} exported run(s) as the store has them")


main()

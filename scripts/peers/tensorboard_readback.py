#!/usr/bin/env python3
"""Reads LoupeTensorBoard's event files back with the real TensorBoard and compares them exactly.

    python scripts/peers/tensorboard_readback.py LOGDIR EXPECTED.json

LOGDIR and EXPECTED.json come from the Swift test `TensorBoardPeerFixture` (run with LOUPE_TB_OUT
set; scripts/peers/tensorboard-check.sh does both), or from `TelemetryTensorBoardPeerFixture`: a
debug run's telemetry exported by `RunStore.exportTensorBoard`, whose expectation has the scalars
and histograms only (no texts, hparams or experiment, which are then not checked). Two readers,
both TensorBoard's own:

- per run directory, `EventAccumulator` (tensorboard.backend.event_processing): the run's tags by
  kind, and every scalar (step, float32 value, wall time), histogram (every HistogramProto field),
  text (the string tensor, decoded) and hparams record (parsed by the HParams plugin's `metadata`
  module, which also checks the plugin-data version);
- for the whole log directory, the HParams plugin's own request handlers (`get_experiment` and
  `list_session_groups`) over an `EventMultiplexer` data provider, as TensorBoard serves the HParams
  tab: the runs it lists, each session's hyperparameters, status, times and last metric values.

Histograms written from raw values are also re-binned here from those values, independently of the
Swift code: min, max, count, sum and sum of squares (summed in order, in float64) and each bucket's
count from its edges. Floats in EXPECTED.json are bit patterns ("f32:…", "f64:…"); comparisons
are exact. Prints one line per run checked; exits 1 listing every difference.
"""
import json
import os
import struct
import sys

from tensorboard import context
from tensorboard.backend.event_processing import data_provider
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import backend_context
from tensorboard.plugins.hparams import get_experiment
from tensorboard.plugins.hparams import list_session_groups
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.util import tensor_util

problems = []


def f32(x):
    return "f32:" + struct.pack(">f", x).hex()


def f64(x):
    return "f64:" + struct.pack(">d", x).hex()


def double(bits):
    assert bits.startswith("f64:"), bits
    return struct.unpack(">d", bytes.fromhex(bits[4:]))[0]


def check(what, got, expected):
    if got != expected:
        problems.append(f"{what}: TensorBoard read {got!r}, expected {expected!r}")


def value_json(value):
    """A google.protobuf.Value as the fixture writes it: {"number": f64} / {"string": s} / {"bool": b}."""
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return {"number": f64(value.number_value)}
    if kind == "string_value":
        return {"string": value.string_value}
    if kind == "bool_value":
        return {"bool": value.bool_value}
    return {kind: str(value)}


def hparam_info_json(info):
    domain = info.WhichOneof("domain")
    if domain == "domain_interval":
        domain = {"interval": [f64(info.domain_interval.min_value), f64(info.domain_interval.max_value)]}
    elif domain == "domain_discrete":
        domain = {"discrete": [value_json(v) for v in info.domain_discrete.values]}
    return {
        "name": info.name,
        "type": api_pb2.DataType.Name(info.type),
        "domain": domain,
        "display_name": info.display_name,
        "description": info.description,
    }


def metric_info_json(info):
    return {
        "group": info.name.group,
        "tag": info.name.tag,
        "display_name": info.display_name,
        "description": info.description,
        "dataset_type": api_pb2.DatasetType.Name(info.dataset_type),
    }


def experiment_json(experiment):
    return {
        "description": experiment.description,
        "time_created_secs": f64(experiment.time_created_secs),
        "hparams": [hparam_info_json(i) for i in experiment.hparam_infos],
        "metrics": [metric_info_json(i) for i in experiment.metric_infos],
    }


def rebin(where, values, histogram):
    """Checks a histogram against its raw values, computed here without the Swift code."""
    xs = [double(v) for v in values]
    total, squares = 0.0, 0.0
    for x in xs:
        total += x
        squares += x * x
    check(f"{where} min/max/num/sum/sum_squares (from the values)",
          [histogram.min, histogram.max, histogram.num, histogram.sum, histogram.sum_squares],
          [min(xs), max(xs), float(len(xs)), total, squares])
    limits, counts = list(histogram.bucket_limit), list(histogram.bucket)
    check(f"{where} last bucket limit", limits[-1], max(xs))
    width = (max(xs) - min(xs)) / len(limits)
    for i, limit in enumerate(limits):
        left = min(xs) if i == 0 else limits[i - 1]
        if abs(limit - (min(xs) + width * (i + 1))) > 1e-12 * max(1.0, abs(limit)):
            problems.append(f"{where} bucket {i}: right edge {limit} is not {i + 1}/{len(limits)} of the range")
        last = i == len(limits) - 1
        inside = sum(1 for x in xs if left <= x and (x <= limit if last else x < limit))
        check(f"{where} bucket {i} count (from the values)", counts[i], float(inside))


def check_run(logdir, run, expected, expected_all):
    path = os.path.join(logdir, run)
    accumulator = event_accumulator.EventAccumulator(
        path,
        size_guidance={
            event_accumulator.SCALARS: 0,
            event_accumulator.HISTOGRAMS: 0,
            event_accumulator.COMPRESSED_HISTOGRAMS: 0,
            event_accumulator.TENSORS: 0,
        },
    )
    accumulator.Reload()
    tags = accumulator.Tags()
    check(f"{run}: scalar tags", sorted(tags["scalars"]), sorted(expected["scalars"]))
    check(f"{run}: histogram tags", sorted(tags["histograms"]), sorted(expected["histograms"]))
    # The export's expectation (TelemetryTensorBoardPeerFixture) leaves out texts and hparams: its
    # findings and sessions are runs_export_check.py's to check. Without them, the tensor tags are not compared.
    expected.setdefault("texts", None)
    expected.setdefault("hparams_tags", [])
    if expected["texts"] is not None:
        check(f"{run}: tensor tags (text and hparams)", sorted(tags["tensors"]),
              sorted(list(expected["texts"]) + expected["hparams_tags"]))
    else:
        expected["texts"] = {}

    for tag, points in expected["scalars"].items():
        read = [[e.step, f32(e.value), f64(e.wall_time)] for e in accumulator.Scalars(tag)]
        check(f"{run}: scalar {tag} (step, value, wall time)", read, points)

    for tag, histograms in expected["histograms"].items():
        events = accumulator.Histograms(tag)
        check(f"{run}: histogram {tag} steps", [e.step for e in events], [h["step"] for h in histograms])
        for event, want in zip(events, histograms):
            h = event.histogram_value
            where = f"{run}: histogram {tag} step {event.step}"
            got = {
                "step": event.step, "min": f64(h.min), "max": f64(h.max), "num": f64(h.num), "sum": f64(h.sum),
                "sum_squares": f64(h.sum_squares), "bucket_limit": [f64(x) for x in h.bucket_limit],
                "bucket": [f64(x) for x in h.bucket], "values": want["values"],
            }
            check(where, got, want)
            if want["values"] is not None:
                rebin(where, want["values"], h)

    text_tags = accumulator.PluginTagToContent("text") if expected["texts"] else {}
    check(f"{run}: text plugin tags", sorted(text_tags), sorted(expected["texts"]))
    for tag, entries in expected["texts"].items():
        read = []
        for event in accumulator.Tensors(tag):
            array = tensor_util.make_ndarray(event.tensor_proto)
            read.append([event.step, array.item().decode("utf-8")])
        check(f"{run}: text {tag} (step, text)", read, entries)

    if expected["hparams_tags"]:
        content = accumulator.PluginTagToContent(hparams_metadata.PLUGIN_NAME)
        check(f"{run}: hparams plugin tags", sorted(content), sorted(expected["hparams_tags"]))
        if hparams_metadata.EXPERIMENT_TAG in content:
            experiment = hparams_metadata.parse_experiment_plugin_data(content[hparams_metadata.EXPERIMENT_TAG])
            check(f"{run}: experiment record", experiment_json(experiment), expected_all["experiment"])
        session = expected_all["sessions"].get(run)
        if hparams_metadata.SESSION_START_INFO_TAG in content:
            start = hparams_metadata.parse_session_start_info_plugin_data(content[hparams_metadata.SESSION_START_INFO_TAG])
            check(f"{run}: session start record",
                  [{k: value_json(v) for k, v in start.hparams.items()}, start.group_name, f64(start.start_time_secs)],
                  [session["hparams"], session["group_name"], session["start_time_secs"]])
        if hparams_metadata.SESSION_END_INFO_TAG in content:
            end = hparams_metadata.parse_session_end_info_plugin_data(content[hparams_metadata.SESSION_END_INFO_TAG])
            check(f"{run}: session end record", [api_pb2.Status.Name(end.status), f64(end.end_time_secs)],
                  [session["status"], session["end_time_secs"]])
    print(f"checked run {run}: {len(expected['scalars'])} scalar, {len(expected['histograms'])} histogram, "
          f"{len(expected['texts'])} text, {len(expected['hparams_tags'])} hparams tags")


def check_hparams_plugin(logdir, expected):
    """What the HParams tab gets: the plugin's experiment and session-group handlers."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    check("runs TensorBoard lists", sorted(multiplexer.Runs()), sorted(expected["runs"]))
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    backend = backend_context.Context(base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer, data_provider=provider))
    request_context = context.RequestContext()

    experiment = get_experiment.Handler(request_context, backend, "", api_pb2.GetExperimentRequest()).run()
    served = experiment_json(experiment)
    want = expected["experiment"]
    # The plugin may reorder the hyperparameters it serves; compare them by name.
    check("HParams tab: hyperparameters", sorted(served["hparams"], key=lambda h: h["name"]),
          sorted(want["hparams"], key=lambda h: h["name"]))
    check("HParams tab: metrics", served["metrics"], want["metrics"])
    check("HParams tab: experiment description", served["description"], want["description"])

    request = api_pb2.ListSessionGroupsRequest(
        start_index=0, slice_size=100,
        allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING],
    )
    response = list_session_groups.Handler(request_context, backend, "", request).run()
    check("HParams tab: session count", response.total_size, len(expected["sessions"]))
    for group in response.session_groups:
        name = group.name
        session = expected["sessions"].get(name)
        if session is None:
            problems.append(f"HParams tab lists an unexpected session group {name!r}")
            continue
        check(f"HParams tab: {name} hyperparameters", {k: value_json(v) for k, v in group.hparams.items()}, session["hparams"])
        check(f"HParams tab: {name} sessions", [s.name for s in group.sessions], [name])
        s = group.sessions[0]
        check(f"HParams tab: {name} status and times",
              [api_pb2.Status.Name(s.status), f64(s.start_time_secs), f64(s.end_time_secs)],
              [session["status"], session["start_time_secs"], session["end_time_secs"]])
        read = sorted(
            ({"group": m.name.group, "tag": m.name.tag, "step": m.training_step, "value": f32(m.value)} for m in s.metric_values),
            key=lambda m: (m["group"], m["tag"]))
        check(f"HParams tab: {name} last metric values", read, sorted(session["metrics"], key=lambda m: (m["group"], m["tag"])))
    print(f"checked the HParams plugin: {len(response.session_groups)} sessions, "
          f"{len(experiment.hparam_infos)} hyperparameters, {len(experiment.metric_infos)} metrics")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    logdir, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path) as f:
        expected = json.load(f)
    for run, want in sorted(expected["runs"].items()):
        check_run(logdir, run, want, expected)
    if "experiment" in expected:
        check_hparams_plugin(logdir, expected)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"{len(problems)} difference(s) between what Loupe wrote and what TensorBoard read")
    print("TensorBoard reads back everything Loupe wrote, exactly")


if __name__ == "__main__":
    main()

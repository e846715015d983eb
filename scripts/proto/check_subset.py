#!/usr/bin/env python3
"""Checks that Loupe's trimmed TensorBoard .proto files agree with the real `tensorboard` package.

Sources/LoupeTensorBoard/Proto/ holds subsets of TensorBoard's .proto files: only the messages, fields
and enum values Loupe writes. This script compares them with the descriptors compiled into the
installed `tensorboard` wheel (its *_pb2 modules): every message, field and enum value Loupe keeps
must exist upstream under the same full name, with the same number, type, label, message/enum type
and oneof, so the bytes Loupe writes mean the same to TensorBoard.

    python3 scripts/proto/check_subset.py SUBSET.pb

SUBSET.pb is a FileDescriptorSet of the trimmed files (scripts/proto/generate.sh makes it with
`protoc --descriptor_set_out`). Exits 1 and lists every difference if there is one.
"""
import sys

from google.protobuf import descriptor_pb2

# Importing the modules registers upstream's files in the default descriptor pool.
from tensorboard.compat.proto import event_pb2, histogram_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2  # noqa: F401
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2  # noqa: F401
from google.protobuf import descriptor_pool

FIELD_KEYS = ("number", "type", "label", "type_name")


def upstream_file(name):
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor_pool.Default().FindFileByName(name).CopyToProto(proto)
    return proto


def messages(prefix, descriptors):
    """Full name -> DescriptorProto, nested messages included."""
    found = {}
    for message in descriptors:
        full = f"{prefix}.{message.name}"
        found[full] = message
        found.update(messages(full, message.nested_type))
    return found


def enums(prefix, file_or_message_enums, nested_messages):
    found = {f"{prefix}.{e.name}": e for e in file_or_message_enums}
    for message in nested_messages:
        found.update(enums(f"{prefix}.{message.name}", message.enum_type, message.nested_type))
    return found


def fields(message):
    """Field name -> (number, type, label, type_name, oneof name or None); proto3 synthetic oneofs aside."""
    result = {}
    for field in message.field:
        oneof = message.oneof_decl[field.oneof_index].name if field.HasField("oneof_index") and not field.proto3_optional else None
        result[field.name] = tuple(getattr(field, key) for key in FIELD_KEYS) + (oneof,)
    return result


def compare(subset_file, problems):
    upstream = upstream_file(subset_file.name)
    prefix = "." + subset_file.package
    ours_messages, their_messages = messages(prefix, subset_file.message_type), messages(prefix, upstream.message_type)
    for name, message in ours_messages.items():
        if name not in their_messages:
            problems.append(f"{subset_file.name}: message {name} is not in tensorboard's file")
            continue
        theirs = fields(their_messages[name])
        for field, spec in fields(message).items():
            if field not in theirs:
                problems.append(f"{name}.{field}: not in tensorboard's message")
            elif theirs[field] != spec:
                problems.append(f"{name}.{field}: ours {spec}, tensorboard's {theirs[field]} (number, type, label, type_name, oneof)")
    ours_enums = enums(prefix, subset_file.enum_type, subset_file.message_type)
    their_enums = enums(prefix, upstream.enum_type, upstream.message_type)
    for name, enum in ours_enums.items():
        if name not in their_enums:
            problems.append(f"{subset_file.name}: enum {name} is not in tensorboard's file")
            continue
        theirs = {v.name: v.number for v in their_enums[name].value}
        for value in enum.value:
            if theirs.get(value.name) != value.number:
                problems.append(f"{name}.{value.name} = {value.number}: tensorboard's is {theirs.get(value.name)}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    subset = descriptor_pb2.FileDescriptorSet()
    with open(sys.argv[1], "rb") as f:
        subset.ParseFromString(f.read())
    problems, checked = [], 0
    for file in subset.file:
        if file.name.startswith("google/protobuf/"):
            continue  # the well-known types come with the protobuf runtimes themselves
        compare(file, problems)
        checked += 1
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"{checked} trimmed .proto files agree with tensorboard's descriptors")


if __name__ == "__main__":
    main()

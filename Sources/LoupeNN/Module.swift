import LoupeCore

/// Placeholder; the module system is being written.
enum LoupeNNModule {}

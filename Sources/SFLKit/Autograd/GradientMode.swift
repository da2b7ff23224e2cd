/// Whether operations record a graph for differentiation in the current scope.
///
/// Recording is on by default. ``withoutGradients(_:)`` turns it off for a
/// scope (PyTorch's `torch.no_grad()`); the setting is task-local, so it never
/// leaks into other tasks or threads.
public enum GradientMode {
    /// Whether operations record a graph in the current scope.
    @TaskLocal public static var isRecording = true
}

/// Runs `body` without recording operations for differentiation and returns
/// its result.
///
/// Use it for inference, metrics, and parameter updates: no graph is built,
/// so nothing is kept alive for a backward pass.
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isRecording.withValue(false) { try body() }
}

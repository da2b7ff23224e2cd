/// The shape every SFLKit error shares: what was being read or done, and the
/// problem, in words.
///
/// Errors about user data (files, images, checkpoints, training runs) conform,
/// so a caller can report any of them the same way:
///
/// ```swift
/// do { try model.loadParameters(from: url) }
/// catch { print(error) }   // "weights.ckpt: has no parameter 'conv1.bias' …"
/// ```
///
/// Programmer errors (shape mismatches, invalid arguments) are not thrown:
/// they stop the program with a message naming the operation and the shapes.
public protocol SFLKitError: Error, CustomStringConvertible, Sendable {
    /// What was being read or done: a file's path, a caller-given name for
    /// in-memory data, or an activity such as `"training, epoch 12"`.
    var source: String { get }
    /// The problem, in words.
    var problem: String { get }
}

extension SFLKitError {
    /// `"<source>: <problem>"`.
    public var description: String { "\(source): \(problem)" }
}

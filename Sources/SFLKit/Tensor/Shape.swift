/// Shape arithmetic shared by every op: element counts, row-major strides,
/// broadcasting, and the one way SFLKit stops on a programmer error.
enum Shape {
    /// The number of elements of a tensor of `shape` (1 for a scalar, shape `[]`).
    @inline(__always)
    static func elementCount(_ shape: [Int]) -> Int {
        var count = 1
        for dimension in shape { count *= dimension }
        return count
    }

    /// Row-major (C order) strides of a contiguous tensor of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The shape two operands broadcast to (NumPy/PyTorch rules: align the
    /// trailing dimensions; each pair must be equal or contain a 1), or `nil`
    /// when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let x = index < rank - a.count ? 1 : a[index - (rank - a.count)]
            let y = index < rank - b.count ? 1 : b[index - (rank - b.count)]
            if x == y || y == 1 { result[index] = x } else if x == 1 { result[index] = y } else { return nil }
        }
        return result
    }

    /// Strides that read a tensor of `shape` as if it had the (broadcast)
    /// shape `target`: stride 0 along every broadcast axis.
    static func broadcastStrides(of shape: [Int], to target: [Int]) -> [Int] {
        let own = contiguousStrides(shape)
        let offset = target.count - shape.count
        return (0..<target.count).map { axis in
            axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
        }
    }

    /// Resolves a possibly negative axis (`-1` is the last) against `rank`.
    static func normalizedAxis(_ axis: Int, rank: Int, operation: String, shape: [Int]) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        check(resolved >= 0 && resolved < rank, "\(operation): axis \(axis) is out of range for shape \(shape)")
        return resolved
    }
}

/// Stops the program with `message` when `condition` is false.
///
/// SFLKit's single response to a programmer error (a shape mismatch, a bad
/// axis, a bad argument). Unlike `precondition`, the message is printed in
/// every build configuration. Messages name the op and the shapes involved.
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}

/// The positive bits of a fused ReLU's output (``PositiveBitsLayout``: one
/// bit per scalar, rows of the output's last dimension), recorded by the
/// forward kernel and kept with the op's graph node, so that the input
/// gradient the backward walk asks to apply the ReLU reads 1/32 of the
/// output's bytes. Reference type: the node and the pullback share it.
final class PositiveBitsStorage: @unchecked Sendable {
    /// The first word.
    let words: UnsafeMutablePointer<PositiveBitsWord>
    /// Rows of the tensor (`N·C·H` for `[N, C, H, W]`).
    let rows: Int
    /// The layout of each row (`W` scalars).
    let layout: PositiveBitsLayout

    /// Allocates uninitialised words for a tensor of shape `shape` (rank ≥ 1):
    /// rows of `shape.last`; the forward kernel writes every word.
    init(shape: [Int]) {
        check(!shape.isEmpty, "PositiveBitsStorage: a tensor of rank 0 has no rows")
        layout = PositiveBitsLayout(width: shape[shape.count - 1])
        rows = shape.dropLast().reduce(1, *)
        words = ScratchBuffers.take(PositiveBitsWord.self, count: layout.words(rows: rows))
    }

    deinit { ScratchBuffers.give(words) }
}

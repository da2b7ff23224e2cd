/// A linear colour space in which a pixel loss compares two RGB images
/// (``PixelLoss/colourSpace``).
///
/// The conversions are the linear parts of the usual definitions (offsets
/// cancel in a difference), applied to `[N, 3, H, W]` tensors in [−1, 1].
/// Comparing in a space that separates luminance from chroma lets the
/// chroma channels get their own weight (``PixelLoss/channelWeights``): the
/// remedy of the paper's slowly learnt colours measured in the README.
public enum ColourSpace: String, CaseIterable, Equatable, Sendable, Codable {
    /// The images' own channels (the paper's choice, and the only one for a channel count other than 3).
    case rgb
    /// ITU-R BT.601 luma and blue/red chroma: `Y = 0.299 R + 0.587 G + 0.114 B`,
    /// `Cb = (B − Y) / 1.772`, `Cr = (R − Y) / 1.402`.
    case ycbcr
    /// Orthonormal opponent colours: `O₁ = (R − G)/√2` (red–green),
    /// `O₂ = (R + G − 2B)/√6` (yellow–blue), `O₃ = (R + G + B)/√3` (intensity).
    /// Orthonormal, so with equal weights the loss equals RGB's.
    case opponent

    /// The 3 × 3 matrix taking RGB to this space (rows: output channels), or `nil` for ``rgb``.
    public var matrix: [[Double]]? {
        switch self {
        case .rgb: return nil
        case .ycbcr:
            return [[0.299, 0.587, 0.114],
                    [-0.299 / 1.772, -0.587 / 1.772, 0.886 / 1.772],
                    [0.701 / 1.402, -0.587 / 1.402, -0.114 / 1.402]]
        case .opponent:
            let a = 1 / 2.0.squareRoot(), b = 1 / 6.0.squareRoot(), c = 1 / 3.0.squareRoot()
            return [[a, -a, 0], [b, b, -2 * b], [c, c, c]]
        }
    }

    /// The names of the channels in this space, for logs.
    public var channelNames: [String] {
        switch self {
        case .rgb: return ["R", "G", "B"]
        case .ycbcr: return ["Y", "Cb", "Cr"]
        case .opponent: return ["red-green", "yellow-blue", "intensity"]
        }
    }
}

extension Tensor {
    /// The images `[N, 3, H, W]` converted from RGB to `space`, recording the
    /// op (a 1 × 1 convolution with the space's fixed ``ColourSpace/matrix``);
    /// `self` for ``ColourSpace/rgb``.
    ///
    /// - Precondition: rank 4 with 3 channels, unless `space` is ``ColourSpace/rgb``.
    public func convertedColours(to space: ColourSpace) -> Tensor {
        guard let matrix = space.matrix else { return self }
        check(rank == 4 && shape[1] == 3, "convertedColours(to: \(space)): expected RGB images [N, 3, H, W], got \(shape)")
        return conv2D(weight: Tensor(shape: [3, 3, 1, 1], doubles: Array(matrix.joined())))
    }
}

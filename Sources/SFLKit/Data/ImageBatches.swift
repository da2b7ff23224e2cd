/// Images of one size stacked into one tensor, with their positions in the
/// dataset they came from.
public struct ImageBatch<Scalar: TensorScalar>: TrainingBatch {
    /// The images, `[n, C, H, W]`.
    public let images: Tensor<Scalar>
    /// Each image's index in the dataset, in stacking order.
    public let indices: [Int]

    /// Creates a batch.
    ///
    /// - Precondition: `images` is `[n, C, H, W]` with one index per image.
    public init(images: Tensor<Scalar>, indices: [Int]) {
        check(images.rank == 4 && images.shape[0] == indices.count,
              "ImageBatch: images must be [n, C, H, W] with one index each, got \(images.shape) and \(indices.count) indices")
        self.images = images
        self.indices = indices
    }

    /// The number of images.
    public var exampleCount: Int { indices.count }
}

/// Mini-batches of a set of images, shuffled with a seed: what a training
/// loop iterates over.
///
/// Each mini-batch is a list of ``ImageBatch`` parts, one per image size
/// (in the order the sizes first occur), so a set of photographs of mixed
/// sizes trains with each image's loss normalised by its own `W·H`, as the
/// paper does; images of one size are stacked into one tensor
/// (``Grouping/stackedBySize``) or kept one per part
/// (``Grouping/perImage``, the paper's full-batch way, which spreads the
/// images over the threads).
///
/// The order of epoch `e` depends only on the seed and `e`, so a resumed
/// run sees the same batches as an uninterrupted one, whatever the thread
/// count.
///
/// ```swift
/// let batches = ImageBatches(images, batchSize: 8, seed: 7)
/// for epoch in 0..<100 { try trainer.train(on: batches.epoch(epoch)) }
/// ```
public struct ImageBatches<Scalar: TensorScalar>: Sendable {
    /// How images of one size within a mini-batch become parts.
    public enum Grouping: Equatable, Sendable {
        /// One part per size, the images of that size stacked.
        case stackedBySize
        /// One part per image.
        case perImage
    }

    /// The images, each `[1, C, H, W]`.
    public let images: [Tensor<Scalar>]
    /// The number of images per mini-batch (the last one of an epoch may hold fewer).
    public let batchSize: Int
    /// Whether each epoch visits the images in a new random order.
    public let shuffles: Bool
    /// The seed of the shuffles.
    public let seed: UInt64
    /// How images of one size become parts.
    public let grouping: Grouping

    /// Creates mini-batches of `images`.
    ///
    /// - Parameters:
    ///   - images: each `[1, C, H, W]` or `[C, H, W]`; sizes may differ.
    ///   - batchSize: images per update; nil for the full batch (one update per epoch).
    ///   - shuffle: whether to visit the images in a new order each epoch.
    ///   - seed: the seed of the order.
    ///   - grouping: how images of one size become parts.
    /// - Precondition: at least one image, a positive batch size, and one channel count.
    public init(_ images: [Tensor<Scalar>], batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0,
                grouping: Grouping = .stackedBySize) {
        check(!images.isEmpty, "ImageBatches: no images")
        let batched = images.map { image -> Tensor<Scalar> in
            check(image.rank == 3 || (image.rank == 4 && image.shape[0] == 1),
                  "ImageBatches: each image must be [C, H, W] or [1, C, H, W], got \(image.shape)")
            return (image.rank == 3 ? image.reshaped(to: [1] + image.shape) : image).detached()
        }
        check(Set(batched.map { $0.shape[1] }).count == 1, "ImageBatches: the images have different channel counts \(batched.map { $0.shape[1] })")
        let size = batchSize ?? images.count
        check(size >= 1, "ImageBatches: the batch size must be positive, got \(size)")
        self.images = batched
        self.batchSize = min(size, images.count)
        shuffles = shuffle
        self.seed = seed
        self.grouping = grouping
    }

    /// The number of updates per epoch.
    public var batchesPerEpoch: Int { (images.count + batchSize - 1) / batchSize }

    /// The order in which epoch `epoch` visits the images.
    public func order(ofEpoch epoch: Int) -> [Int] {
        var order = Array(images.indices)
        guard shuffles else { return order }
        var generator = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15))
        for index in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(index, Int(generator.next() % UInt64(index + 1)))
        }
        return order
    }

    /// The mini-batches of epoch `epoch` (from 0), each as its parts.
    public func epoch(_ epoch: Int) -> [[ImageBatch<Scalar>]] {
        let order = order(ofEpoch: epoch)
        return stride(from: 0, to: order.count, by: batchSize).map { start in
            parts(of: Array(order[start..<min(start + batchSize, order.count)]))
        }
    }

    /// The images at `indices` as parts: one per size, or one per image.
    public func parts(of indices: [Int]) -> [ImageBatch<Scalar>] {
        if grouping == .perImage {
            return indices.map { ImageBatch(images: images[$0], indices: [$0]) }
        }
        var sizes: [[Int]] = [], members: [[Int]] = []
        for index in indices {
            let size = Array(images[index].shape.dropFirst())
            if let slot = sizes.firstIndex(of: size) { members[slot].append(index) } else {
                sizes.append(size)
                members.append([index])
            }
        }
        return members.map { group in
            ImageBatch(images: group.count == 1 ? images[group[0]] : Tensor(concatenating: group.map { images[$0] }, alongAxis: 0),
                       indices: group)
        }
    }
}

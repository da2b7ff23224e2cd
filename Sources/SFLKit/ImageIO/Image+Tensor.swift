// Conversion between images and tensors in the paper's scaling: a sample `v`
// of an image with maximum `max` becomes `v / max · 2 − 1`, in `[−1, 1]`.

extension Tensor {
    /// The image as a `[1, C, H, W]` tensor (channels first) with samples
    /// scaled to `[−1, 1]`: `v / max · 2 − 1`, computed in `Double`.
    ///
    /// `C` is the image's channel count (alpha, if present, is the last plane).
    public init(image: Image) {
        self.init(images: [image])
    }

    /// A batch `[N, C, H, W]` of images of equal size and channel count,
    /// scaled to `[−1, 1]` as ``init(image:)`` does.
    ///
    /// - Precondition: `images` is not empty and all have the same width,
    ///   height and channels.
    public init(images: [Image]) {
        check(!images.isEmpty, "Tensor(images:): no images")
        let first = images[0]
        let (c, h, w) = (first.channels, first.height, first.width)
        check(images.allSatisfy { $0.channels == c && $0.height == h && $0.width == w },
              "Tensor(images:): images differ in size or channels (first is \(c)×\(h)×\(w))")
        let plane = h * w
        var values = [Double](repeating: 0, count: images.count * c * plane)
        values.withUnsafeMutableBufferPointer { out in
            for (n, image) in images.enumerated() {
                let scale = 2 / Double(image.maxValue)
                image.samples.withUnsafeBufferPointer { samples in
                    for p in 0..<plane {
                        for k in 0..<c {
                            out[(n * c + k) * plane + p] = Double(samples[p * c + k]) * scale - 1
                        }
                    }
                }
            }
        }
        self.init(shape: [images.count, c, h, w], doubles: values)
    }
}

extension Image {
    /// The image held in item `index` of a `[N, C, H, W]` tensor (or in a
    /// `[C, H, W]` tensor), mapping `[−1, 1]` back to samples:
    /// `round((t + 1) / 2 · max)`, clamped to `0...max`.
    ///
    /// Values outside `[−1, 1]` clamp to the nearest end; NaN becomes 0.
    ///
    /// - Precondition: the tensor has rank 3 or 4, `C` in 1...4, `H, W ≥ 1`,
    ///   `index` within the batch, `bitDepth` 8 or 16.
    public init<Scalar: TensorScalar>(tensor: Tensor<Scalar>, index: Int = 0, bitDepth: Int = 8) {
        let shape = tensor.shape.count == 3 ? [1] + tensor.shape : tensor.shape
        check(shape.count == 4, "Image(tensor:): shape \(tensor.shape) is not [N, C, H, W] or [C, H, W]")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        check((1...4).contains(c) && h >= 1 && w >= 1, "Image(tensor:): shape \(tensor.shape) is not an image of 1–4 channels")
        check((0..<n).contains(index), "Image(tensor:): index \(index) outside the batch of \(n)")
        check(bitDepth == 8 || bitDepth == 16, "Image(tensor:): bit depth \(bitDepth) is not 8 or 16")
        let maximum = Double((1 << bitDepth) - 1)
        let plane = h * w
        let scalars = tensor.scalars
        var samples = [UInt16](repeating: 0, count: c * plane)
        for p in 0..<plane {
            for k in 0..<c {
                let t = Double(scalars[(index * c + k) * plane + p])
                let v = ((t + 1) / 2 * maximum).rounded()
                samples[p * c + k] = v.isNaN ? 0 : UInt16(min(max(v, 0), maximum))
            }
        }
        self.init(unchecked: w, h, channels: c, bitDepth: bitDepth, samples: samples)
    }
}

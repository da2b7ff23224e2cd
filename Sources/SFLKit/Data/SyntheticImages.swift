import Foundation

/// Deterministic colour test images generated in code, rich in edges,
/// textures and colours so that blur shows: the built-in data of the example
/// and of the tests (no files needed).
///
/// Each image layers a smooth colour gradient, a grating of random frequency
/// and orientation, a checkerboard patch, filled discs and rectangles with
/// sharp edges, and thin lines. Values are in [−1, 1] (the paper's scaling).
public enum SyntheticImages {
    /// `count` images `[1, 3, height, width]` drawn from `seed`; image `i`
    /// depends only on `seed` and `i`.
    ///
    /// - Precondition: `count ≥ 0`, `height ≥ 1`, `width ≥ 1`.
    public static func make<Scalar: TensorScalar>(count: Int, height: Int, width: Int, seed: UInt64 = 2016) -> [Tensor<Scalar>] {
        check(count >= 0 && height >= 1 && width >= 1, "SyntheticImages.make: invalid count \(count) or size \(height)×\(width)")
        return (0..<count).map { index in
            var generator = SeededGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            return Tensor(shape: [1, 3, height, width], doubles: pixels(height: height, width: width, using: &generator))
        }
    }

    /// Planar RGB values in [−1, 1] for one image.
    static func pixels(height: Int, width: Int, using generator: inout SeededGenerator) -> [Double] {
        func random(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &generator) }
        func colour() -> [Double] { (0..<3).map { _ in random(-0.9...0.9) } }
        let plane = height * width
        var values = [Double](repeating: 0, count: 3 * plane)
        let h = Double(height), w = Double(width)

        // A smooth two-colour gradient background.
        let from = colour(), to = colour(), angle = random(0...Double.pi)
        // A grating: frequency between 1/12 and 1/3 cycles per pixel.
        let frequency = random(1.0 / 12...1.0 / 3), orientation = random(0...Double.pi), gratingColour = colour()
        let grating = (x0: random(0...w * 0.5), y0: random(0...h * 0.5), w: random(w * 0.3...w * 0.6), h: random(h * 0.3...h * 0.6))
        // A checkerboard patch with 2–5 pixel cells.
        let cell = Int(random(2...5.99)), checkColour = colour()
        let check = (x0: random(0...w * 0.6), y0: random(0...h * 0.6), w: random(w * 0.2...w * 0.4), h: random(h * 0.2...h * 0.4))
        // Discs and rectangles with sharp edges, and thin lines.
        let discs = (0..<3).map { _ in (x: random(0...w), y: random(0...h), r: random(min(h, w) * 0.08...min(h, w) * 0.25), c: colour()) }
        let boxes = (0..<2).map { _ in (x: random(0...w * 0.8), y: random(0...h * 0.8), w: random(w * 0.1...w * 0.3), h: random(h * 0.1...h * 0.3), c: colour()) }
        let lines = (0..<3).map { _ in (a: random(0...Double.pi), d: random(-0.5...0.5) * min(h, w), c: colour()) }

        for y in 0..<height {
            for x in 0..<width {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let t = min(max(((px / w - 0.5) * cos(angle) + (py / h - 0.5) * sin(angle)) + 0.5, 0), 1)
                var pixel = (0..<3).map { from[$0] * (1 - t) + to[$0] * t }
                if px >= grating.x0 && px < grating.x0 + grating.w && py >= grating.y0 && py < grating.y0 + grating.h {
                    let phase = sin(2 * Double.pi * frequency * (px * cos(orientation) + py * sin(orientation)))
                    pixel = (0..<3).map { pixel[$0] * 0.4 + gratingColour[$0] * 0.6 * phase }
                }
                if px >= check.x0 && px < check.x0 + check.w && py >= check.y0 && py < check.y0 + check.h, (x / cell + y / cell) % 2 == 0 {
                    pixel = checkColour
                }
                for box in boxes where px >= box.x && px < box.x + box.w && py >= box.y && py < box.y + box.h { pixel = box.c }
                for disc in discs where (px - disc.x) * (px - disc.x) + (py - disc.y) * (py - disc.y) <= disc.r * disc.r { pixel = disc.c }
                for line in lines where abs((px - w / 2) * cos(line.a) + (py - h / 2) * sin(line.a) - line.d) < 0.75 { pixel = line.c }
                for channel in 0..<3 { values[channel * plane + y * width + x] = min(max(pixel[channel], -1), 1) }
            }
        }
        return values
    }
}

import Foundation

/// A line plot rendered as a self-contained SVG document, in the manner of
/// the paper's Fig. 5: several series on one set of axes (epochs across,
/// loss up, by default on a logarithmic scale), with a legend, axis labels
/// and a title.
///
/// ```swift
/// var plot = LinePlot(title: "E_PL", xLabel: "epoch", yLabel: "loss")
/// plot.series.append(.init(name: "PL only", points: curves.points { $0.pixel }, colour: "##d62728"))
/// try plot.write(to: url)
/// ```
/// Non-finite points, and points ≤ 0 on a logarithmic axis, are left out.
public struct LinePlot: Equatable, Sendable {
    /// One line of the plot.
    public struct Series: Equatable, Sendable {
        /// The legend entry.
        public var name: String
        /// The points `(x, y)`, in drawing order.
        public var xs: [Double]
        /// The `y` of each point.
        public var ys: [Double]
        /// An SVG colour, e.g. `"##1f77b4"`.
        public var colour: String
        /// Whether the line is dashed.
        public var dashed: Bool

        /// Creates a series from `(x, y)` points.
        public init(name: String, points: [(x: Double, y: Double)], colour: String, dashed: Bool = false) {
            self.name = name
            xs = points.map(\.x)
            ys = points.map(\.y)
            self.colour = colour
            self.dashed = dashed
        }
    }

    /// The title above the plot.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// Whether the vertical axis is logarithmic (base 10).
    public var logarithmicY: Bool
    /// The lines.
    public var series: [Series]
    /// The document's width in pixels.
    public var width: Double = 640
    /// The document's height in pixels.
    public var height: Double = 420

    /// Creates a plot without series.
    public init(title: String, xLabel: String, yLabel: String, logarithmicY: Bool = true, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logarithmicY = logarithmicY
        self.series = series
    }

    private var margins: (left: Double, right: Double, top: Double, bottom: Double) { (78, 18, 38, 52) }

    /// The SVG document.
    public func svg() -> String {
        let m = margins
        let plotWidth = width - m.left - m.right, plotHeight = height - m.top - m.bottom
        let drawn = series.map { line in
            zip(line.xs, line.ys).filter { $0.0.isFinite && $0.1.isFinite && (!logarithmicY || $0.1 > 0) }
        }
        let allX = drawn.flatMap { $0.map(\.0) }, allY = drawn.flatMap { $0.map(\.1) }
        let xAxis = Self.linearAxis(lower: allX.min() ?? 0, upper: allX.max() ?? 1)
        let yAxis = logarithmicY ? Self.logarithmicAxis(lower: allY.min() ?? 0.1, upper: allY.max() ?? 1)
                                 : Self.linearAxis(lower: allY.min() ?? 0, upper: allY.max() ?? 1)
        func transform(_ value: Double) -> Double { logarithmicY ? Foundation.log10(value) : value }
        func px(_ x: Double) -> Double { m.left + (x - xAxis.lower) / (xAxis.upper - xAxis.lower) * plotWidth }
        func py(_ y: Double) -> Double { m.top + plotHeight - (transform(y) - yAxis.lower) / (yAxis.upper - yAxis.lower) * plotHeight }

        var out: [String] = []
        out.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        out.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(n(width))" height="\##(n(height))" viewBox="0 0 \##(n(width)) \##(n(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##)
        out.append(##"<rect x="0" y="0" width="\##(n(width))" height="\##(n(height))" fill="white"/>"##)
        out.append(##"<text x="\##(n(width / 2))" y="22" text-anchor="middle" font-size="15">\##(Self.escaped(title))</text>"##)
        // Grid and ticks.
        for tick in yAxis.minorTicks {
            let y = py(logarithmicY ? Foundation.pow(10, tick) : tick)
            out.append(##"<line x1="\##(n(m.left))" y1="\##(n(y))" x2="\##(n(m.left + plotWidth))" y2="\##(n(y))" stroke="#f0f0f0"/>"##)
        }
        for tick in yAxis.ticks {
            let y = py(logarithmicY ? Foundation.pow(10, tick) : tick)
            out.append(##"<line x1="\##(n(m.left))" y1="\##(n(y))" x2="\##(n(m.left + plotWidth))" y2="\##(n(y))" stroke="#d8d8d8"/>"##)
            let label = logarithmicY ? Self.powerOfTenLabel(tick) : Self.tickLabel(tick)
            out.append(##"<text x="\##(n(m.left - 6))" y="\##(n(y + 4))" text-anchor="end">\##(label)</text>"##)
        }
        for tick in xAxis.ticks {
            let x = px(tick)
            out.append(##"<line x1="\##(n(x))" y1="\##(n(m.top))" x2="\##(n(x))" y2="\##(n(m.top + plotHeight))" stroke="#e8e8e8"/>"##)
            out.append(##"<text x="\##(n(x))" y="\##(n(m.top + plotHeight + 16))" text-anchor="middle">\##(Self.tickLabel(tick))</text>"##)
        }
        out.append(##"<rect x="\##(n(m.left))" y="\##(n(m.top))" width="\##(n(plotWidth))" height="\##(n(plotHeight))" fill="none" stroke="black"/>"##)
        out.append(##"<text x="\##(n(m.left + plotWidth / 2))" y="\##(n(height - 12))" text-anchor="middle">\##(Self.escaped(xLabel))</text>"##)
        out.append(##"<text transform="translate(16 \##(n(m.top + plotHeight / 2))) rotate(-90)" text-anchor="middle">\##(Self.escaped(yLabel))</text>"##)
        // Lines.
        for (line, points) in zip(series, drawn) where !points.isEmpty {
            let coordinates = points.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
            let dash = line.dashed ? ##" stroke-dasharray="6 4""## : ""
            if points.count == 1 {
                out.append(##"<circle cx="\##(n(px(points[0].0)))" cy="\##(n(py(points[0].1)))" r="2.5" fill="\##(Self.escaped(line.colour))"/>"##)
            } else {
                out.append(##"<polyline fill="none" stroke="\##(Self.escaped(line.colour))" stroke-width="1.6"\##(dash) points="\##(coordinates)"/>"##)
            }
        }
        // Legend.
        let legendWidth = 24 + 7 * Double(series.map(\.name.count).max() ?? 0)
        let legendX = m.left + plotWidth - legendWidth - 8
        if !series.isEmpty {
            out.append(##"<rect x="\##(n(legendX))" y="\##(n(m.top + 8))" width="\##(n(legendWidth))" height="\##(n(Double(series.count) * 18 + 8))" fill="white" fill-opacity="0.85" stroke="#999"/>"##)
        }
        for (index, line) in series.enumerated() {
            let y = m.top + 8 + 16 + Double(index) * 18
            let dash = line.dashed ? ##" stroke-dasharray="6 4""## : ""
            out.append(##"<line x1="\##(n(legendX + 6))" y1="\##(n(y - 4))" x2="\##(n(legendX + 24))" y2="\##(n(y - 4))" stroke="\##(Self.escaped(line.colour))" stroke-width="2"\##(dash)/>"##)
            out.append(##"<text x="\##(n(legendX + 28))" y="\##(n(y))">\##(Self.escaped(line.name))</text>"##)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Writes ``svg()`` to `url` atomically.
    public func write(to url: URL) throws(ReportError) {
        try writeTextAtomically(svg(), to: url)
    }

    // MARK: - Axes

    /// An axis range (in the plotted coordinate: `log10(y)` on a logarithmic
    /// axis) with its labelled and unlabelled ticks.
    struct Axis: Equatable {
        var lower: Double
        var upper: Double
        var ticks: [Double]
        var minorTicks: [Double] = []
    }

    /// A range widened to round numbers, with ticks at 1, 2 or 5 × 10ᵏ steps (about 5–10 of them).
    static func linearAxis(lower: Double, upper: Double) -> Axis {
        var (low, high) = (lower, upper)
        if high <= low { (low, high) = (low - 0.5 * max(abs(low), 1), high + 0.5 * max(abs(high), 1)) }
        let rough = (high - low) / 6
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let start = Foundation.floor(low / step) * step, end = Foundation.ceil(high / step) * step
        let count = Int(((end - start) / step).rounded())
        return Axis(lower: start, upper: end, ticks: (0...count).map { start + Double($0) * step })
    }

    /// A log₁₀ range widened to whole decades, ticks at each decade, minor ticks at 2…9 × 10ᵏ.
    static func logarithmicAxis(lower: Double, upper: Double) -> Axis {
        var low = Foundation.floor(Foundation.log10(lower)), high = Foundation.ceil(Foundation.log10(upper))
        if high <= low { (low, high) = (low - 1, high + 1) }
        let decades = Array(stride(from: low, through: high, by: 1))
        let minor = decades.dropLast().flatMap { decade in (2...9).map { decade + Foundation.log10(Double($0)) } }
        return Axis(lower: low, upper: high, ticks: decades, minorTicks: minor)
    }

    /// `10` with a superscript exponent.
    static func powerOfTenLabel(_ exponent: Double) -> String {
        ##"10<tspan dy="-5" font-size="9">\##(Int(exponent.rounded()))</tspan>"##
    }

    /// A tick value without trailing zeros.
    static func tickLabel(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(format: "%g", rounded)
    }

    /// Text with XML's special characters escaped.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with two decimals.
    private func n(_ value: Double) -> String { String(format: "%.2f", value) }
}

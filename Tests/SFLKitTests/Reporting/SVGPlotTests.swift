import Foundation
import Testing
@testable import SFLKit

@Suite struct SVGPlotTests {
    static func plot() -> LinePlot {
        let falling = (1...50).map { (x: Double($0), y: 0.03 * Foundation.exp(-Double($0) / 20)) }
        let flat = (1...50).map { (x: Double($0), y: $0 == 7 ? 0 : 0.02) }   // one y = 0: left out on a log axis
        return LinePlot(title: "σ = 0.8 & <tag> \"quoted\"", xLabel: "epoch", yLabel: "SFL", series: [
            .init(name: "PL only", points: flat, colour: "#d62728"),
            .init(name: "PL + SFL", points: falling, colour: "#1f77b4", dashed: true),
        ])
    }

    @Test func svgIsWellFormedXMLWithOneLinePerSeriesAndALegend() throws {
        let svg = Self.plot().svg()
        let xml = XMLSummary(svg)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        #expect(xml.elements.first?.name == "svg")
        #expect(xml.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(xml.count("polyline") == 2)
        let lines = xml.elements.filter { $0.name == "polyline" }
        #expect(lines[0].attributes["points"]?.split(separator: " ").count == 49)   // y = 0 skipped
        #expect(lines[1].attributes["stroke-dasharray"] != nil)
        #expect(xml.text.contains("σ = 0.8 & <tag> \"quoted\""))   // escaped in the file, restored by the parser
        #expect(xml.text.contains("PL only") && xml.text.contains("PL + SFL") && xml.text.contains("epoch"))
        // Every coordinate lies inside the document.
        for point in lines.flatMap({ $0.attributes["points"]!.split(separator: " ") }) {
            let xy = point.split(separator: ",").compactMap { Double($0) }
            #expect(xy.count == 2 && (0...640).contains(xy[0]) && (0...420).contains(xy[1]))
        }
    }

    @Test func logarithmicAxisSpansWholeDecades() {
        let axis = LinePlot.logarithmicAxis(lower: 0.0012, upper: 0.03)
        #expect(axis.lower == -3 && axis.upper == -1)
        #expect(axis.ticks == [-3, -2, -1])
        #expect(axis.minorTicks.count == 16)
        let single = LinePlot.logarithmicAxis(lower: 0.01, upper: 0.01)
        #expect(single.upper > single.lower)
        #expect(LinePlot.powerOfTenLabel(-3).hasPrefix("10<tspan"))
    }

    @Test func linearAxisUsesRoundSteps() {
        let axis = LinePlot.linearAxis(lower: 1, upper: 300)
        #expect(axis.lower == 0 && axis.upper == 300)
        #expect(axis.ticks == [0, 50, 100, 150, 200, 250, 300])
        let flat = LinePlot.linearAxis(lower: 2, upper: 2)
        #expect(flat.lower < 2 && flat.upper > 2)
        #expect(LinePlot.tickLabel(0.5) == "0.5" && LinePlot.tickLabel(100) == "100")
    }

    @Test func emptyAndSinglePointPlotsStillParse() {
        var plot = LinePlot(title: "empty", xLabel: "x", yLabel: "y")
        #expect(XMLSummary(plot.svg()).error == nil)
        plot.series = [.init(name: "one", points: [(x: 1, y: 0.5)], colour: "red")]
        let xml = XMLSummary(plot.svg())
        #expect(xml.error == nil && xml.count("circle") == 1)
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SFLKit

/// Parses XML with Foundation's `XMLParser` and records element names and
/// attributes, or the parse error.
final class XMLSummary: NSObject, XMLParserDelegate {
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    private(set) var text = ""
    private(set) var error: String?

    /// Parses `document`; `error` is nil when it is well-formed XML.
    init(_ document: String) {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError.map { "\($0)" } ?? "parse failed" }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((elementName, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// How many elements have this name.
    func count(_ name: String) -> Int { elements.filter { $0.name == name }.count }
}

/// A fresh temporary folder, removed by the caller.
func makeTemporaryFolder(_ prefix: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

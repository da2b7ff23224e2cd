/// Builds length-limited Huffman codes for the DEFLATE encoder.
enum HuffmanCodeBuilder {
    /// Code lengths for symbol frequencies `frequencies`, none longer than `limit`.
    ///
    /// Symbols of frequency zero get length 0. At least two symbols always get
    /// a code (a zero-frequency one is added if needed), so every code is
    /// complete, which all decoders accept. Lengths over the limit are avoided
    /// by halving the frequencies (keeping them non-zero) and rebuilding — a
    /// little less optimal than package-merge, and much simpler.
    static func lengths(for frequencies: [Int], limit: Int) -> [UInt8] {
        var weights = frequencies
        var used = weights.indices.filter { weights[$0] > 0 }
        var padding = 0
        while used.count < 2 {
            if weights[padding] == 0 {
                weights[padding] = 1
                used.append(padding)
            }
            padding += 1
        }
        while true {
            let lengths = unlimitedLengths(weights, symbols: used)
            if lengths.max()! <= UInt8(limit) { return lengths }
            for symbol in used { weights[symbol] = (weights[symbol] + 1) / 2 }
        }
    }

    /// Optimal (unbounded) Huffman code lengths, by the two-queue method.
    private static func unlimitedLengths(_ weights: [Int], symbols: [Int]) -> [UInt8] {
        // Nodes 0..<n are leaves sorted by weight; internal nodes follow.
        let leaves = symbols.sorted { (weights[$0], $0) < (weights[$1], $1) }
        let n = leaves.count
        var nodeWeight = leaves.map { weights[$0] }
        var parent = [Int](repeating: -1, count: 2 * n - 1)
        nodeWeight.reserveCapacity(2 * n - 1)
        var nextLeaf = 0, nextInternal = n
        func takeSmallest() -> Int {
            if nextLeaf < n && (nextInternal >= nodeWeight.count || nodeWeight[nextLeaf] <= nodeWeight[nextInternal]) {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextInternal += 1
            return nextInternal - 1
        }
        for _ in 0..<(n - 1) {
            let a = takeSmallest(), b = takeSmallest()
            let node = nodeWeight.count
            nodeWeight.append(nodeWeight[a] + nodeWeight[b])
            parent[a] = node
            parent[b] = node
        }
        // The root is the last node; depths follow parents, which come later.
        var depth = [Int](repeating: 0, count: 2 * n - 1)
        for node in stride(from: 2 * n - 3, through: 0, by: -1) {
            depth[node] = depth[parent[node]] + 1
        }
        var lengths = [UInt8](repeating: 0, count: weights.count)
        for (leaf, symbol) in leaves.enumerated() { lengths[symbol] = UInt8(depth[leaf]) }
        return lengths
    }

    /// Canonical codes (RFC 1951 §3.2.2) for `lengths`, bit-reversed so that
    /// they can be written least significant bit first.
    static func reversedCodes(for lengths: [UInt8]) -> [UInt16] {
        var countPerLength = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { countPerLength[Int(length)] += 1 }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + countPerLength[length - 1]) << 1
            nextCode[length] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            let code = nextCode[Int(length)]
            nextCode[Int(length)] += 1
            return UInt16(HuffmanDecodingTable.reverse(code, bits: Int(length)))
        }
    }
}

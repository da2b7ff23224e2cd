/// The accurate integer inverse DCT of libjpeg (`jpeg_idct_islow`, the
/// Loeffler–Ligtenberg–Moschytz factorisation with 12 multiplies), which
/// djpeg uses by default: 13-bit fixed-point constants, two extra bits kept
/// between the column and the row pass, results rounded, shifted back and
/// range-limited to `0...255` around the level shift of 128.
///
/// Written from the algorithm's description; the arithmetic (including the
/// order of roundings) is what makes the output match libjpeg bit for bit.
enum JPEGIDCT {
    static let constBits: Int32 = 13
    static let pass1Bits: Int32 = 2

    // The constants FIX(x) = round(x · 2¹³).
    static let fix0_298631336: Int32 = 2446
    static let fix0_390180644: Int32 = 3196
    static let fix0_541196100: Int32 = 4433
    static let fix0_765366865: Int32 = 6270
    static let fix0_899976223: Int32 = 7373
    static let fix1_175875602: Int32 = 9633
    static let fix1_501321110: Int32 = 12299
    static let fix1_847759065: Int32 = 15137
    static let fix1_961570560: Int32 = 16069
    static let fix2_053119869: Int32 = 16819
    static let fix2_562915447: Int32 = 20995
    static let fix3_072711026: Int32 = 25172

    /// libjpeg's post-IDCT range limit, indexed by the descaled value masked
    /// to 10 bits: `v + 128` clamped to `0...255` for `v` in `-384...383`
    /// (larger values wrap as libjpeg's table does).
    static let rangeLimit: [UInt8] = (0..<1024).map { i in
        if i < 128 { return UInt8(i + 128) }
        if i < 512 { return 255 }
        if i < 896 { return 0 }
        return UInt8(i - 896)
    }

    /// Transforms one block of dequantised-on-the-fly coefficients (natural
    /// order) into 8×8 samples at `output` (rows `stride` apart).
    ///
    /// - Parameters:
    ///   - coefficients: 64 quantised coefficients in natural (row-major) order.
    ///   - quant: the 64 quantisation values in natural order.
    ///   - workspace: 64 scratch values.
    ///   - limit: ``rangeLimit``'s storage.
    @inline(__always)
    static func transform(_ coefficients: UnsafePointer<Int16>, quant: UnsafePointer<Int32>,
                          output: UnsafeMutablePointer<UInt8>, stride: Int,
                          workspace: UnsafeMutablePointer<Int32>, limit: UnsafePointer<UInt8>) {
        // Pass 1: columns, from the input into the workspace, scaled up by 2^pass1Bits.
        for column in 0..<8 {
            let c = coefficients + column
            let q = quant + column
            if c[8] == 0 && c[16] == 0 && c[24] == 0 && c[32] == 0 && c[40] == 0 && c[48] == 0 && c[56] == 0 {
                let dc = (Int32(c[0]) &* q[0]) &<< pass1Bits
                for row in 0..<8 { workspace[row * 8 + column] = dc }
                continue
            }
            let even = evenPart(Int32(c[0]) &* q[0], Int32(c[16]) &* q[16], Int32(c[32]) &* q[32], Int32(c[48]) &* q[48])
            let odd = oddPart(Int32(c[8]) &* q[8], Int32(c[24]) &* q[24], Int32(c[40]) &* q[40], Int32(c[56]) &* q[56])
            let shift = constBits - pass1Bits
            let round: Int32 = 1 &<< (shift - 1)
            workspace[column] = (even.0 &+ odd.3 &+ round) &>> shift
            workspace[56 + column] = (even.0 &- odd.3 &+ round) &>> shift
            workspace[8 + column] = (even.1 &+ odd.2 &+ round) &>> shift
            workspace[48 + column] = (even.1 &- odd.2 &+ round) &>> shift
            workspace[16 + column] = (even.2 &+ odd.1 &+ round) &>> shift
            workspace[40 + column] = (even.2 &- odd.1 &+ round) &>> shift
            workspace[24 + column] = (even.3 &+ odd.0 &+ round) &>> shift
            workspace[32 + column] = (even.3 &- odd.0 &+ round) &>> shift
        }
        // Pass 2: rows, from the workspace to the output samples.
        let shift = constBits + pass1Bits + 3
        let round: Int32 = 1 &<< (shift - 1)
        for row in 0..<8 {
            let w = workspace + row * 8
            let out = output + row * stride
            if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
                let value = limit[Int(((w[0] &+ (1 &<< (pass1Bits + 2))) &>> (pass1Bits + 3)) & 1023)]
                for x in 0..<8 { out[x] = value }
                continue
            }
            let even = evenPart(w[0], w[2], w[4], w[6])
            let odd = oddPart(w[1], w[3], w[5], w[7])
            out[0] = limit[Int(((even.0 &+ odd.3 &+ round) &>> shift) & 1023)]
            out[7] = limit[Int(((even.0 &- odd.3 &+ round) &>> shift) & 1023)]
            out[1] = limit[Int(((even.1 &+ odd.2 &+ round) &>> shift) & 1023)]
            out[6] = limit[Int(((even.1 &- odd.2 &+ round) &>> shift) & 1023)]
            out[2] = limit[Int(((even.2 &+ odd.1 &+ round) &>> shift) & 1023)]
            out[5] = limit[Int(((even.2 &- odd.1 &+ round) &>> shift) & 1023)]
            out[3] = limit[Int(((even.3 &+ odd.0 &+ round) &>> shift) & 1023)]
            out[4] = limit[Int(((even.3 &- odd.0 &+ round) &>> shift) & 1023)]
        }
    }

    /// The even part of one 8-point pass from inputs 0, 2, 4 and 6:
    /// `(tmp10, tmp11, tmp12, tmp13)`, scaled by 2¹³.
    @inline(__always)
    static func evenPart(_ d0: Int32, _ d2: Int32, _ d4: Int32, _ d6: Int32) -> (Int32, Int32, Int32, Int32) {
        let z1 = (d2 &+ d6) &* fix0_541196100
        let tmp2 = z1 &+ d6 &* (-fix1_847759065)
        let tmp3 = z1 &+ d2 &* fix0_765366865
        let tmp0 = (d0 &+ d4) &<< constBits
        let tmp1 = (d0 &- d4) &<< constBits
        return (tmp0 &+ tmp3, tmp1 &+ tmp2, tmp1 &- tmp2, tmp0 &- tmp3)
    }

    /// The odd part of one 8-point pass from inputs 1, 3, 5 and 7:
    /// `(tmp0, tmp1, tmp2, tmp3)`, scaled by 2¹³.
    @inline(__always)
    static func oddPart(_ d1: Int32, _ d3: Int32, _ d5: Int32, _ d7: Int32) -> (Int32, Int32, Int32, Int32) {
        var tmp0 = d7, tmp1 = d5, tmp2 = d3, tmp3 = d1
        var z1 = tmp0 &+ tmp3
        var z2 = tmp1 &+ tmp2
        var z3 = tmp0 &+ tmp2
        var z4 = tmp1 &+ tmp3
        let z5 = (z3 &+ z4) &* fix1_175875602
        tmp0 = tmp0 &* fix0_298631336
        tmp1 = tmp1 &* fix2_053119869
        tmp2 = tmp2 &* fix3_072711026
        tmp3 = tmp3 &* fix1_501321110
        z1 = z1 &* (-fix0_899976223)
        z2 = z2 &* (-fix2_562915447)
        z3 = z3 &* (-fix1_961570560) &+ z5
        z4 = z4 &* (-fix0_390180644) &+ z5
        return (tmp0 &+ z1 &+ z3, tmp1 &+ z2 &+ z4, tmp2 &+ z2 &+ z3, tmp3 &+ z1 &+ z4)
    }

    /// The 8×8 samples of a block whose only nonzero coefficient is the DC one.
    @inline(__always)
    static func transformDCOnly(_ dc: Int16, quant: Int32, output: UnsafeMutablePointer<UInt8>, stride: Int,
                                limit: UnsafePointer<UInt8>) {
        let scaled = (Int32(dc) &* quant) &<< pass1Bits
        let value = limit[Int(((scaled &+ (1 &<< (pass1Bits + 2))) &>> (pass1Bits + 3)) & 1023)]
        for row in 0..<8 {
            let out = output + row * stride
            for x in 0..<8 { out[x] = value }
        }
    }
}

/// The 64-bit FNV-1a hash: a fast fingerprint (not a cryptographic one) of
/// the data and the curves an experiment's checkpoints record.
struct FNV1aHash {
    /// The hash of the bytes added so far.
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Adds `bytes` to the hash.
    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }
}

/// The order of a buffer of fixed-size records by some of their words (compared unsigned, the
/// first word most significant), found by radix sorting one packed 64-bit key per record instead
/// of comparing records through their indices (a comparison sort of 260,000 records was 70–90 ms,
/// most of it cache misses and closure calls; this is a few passes over two flat arrays).
///
/// The key keeps only the bits that vary: every record agrees on the bits of a word above its
/// highest varying bit, so those say nothing about the order. The words' varying bits are packed
/// one after another; when they need more than 64 bits, the key holds the leading 64 and equal
/// keys are only a tie on that prefix, for the caller to break.
enum PackedKeyOrder {
    struct Result {
        /// Record indices in order of their key; records with equal keys stay in index order.
        var order: [Int32]
        /// The keys, in the same order.
        var keys: [UInt64]
        /// Whether equal keys mean equal words (false when the key holds only a prefix of them).
        var exact: Bool
    }

    /// Orders `count` records of `stride` words at `base` by `words` (word offsets in a record).
    static func order(_ base: UnsafePointer<UInt64>, count n: Int, stride w: Int, words: [Int]) -> Result {
        // Which bits vary, per word.
        var varyingBits: [Int] = []
        for word in words {
            var any: UInt64 = 0, all: UInt64 = .max
            for i in 0..<n {
                let v = base[i &* w &+ word]
                any |= v
                all &= v
            }
            let varying = any ^ all
            varyingBits.append(varying == 0 ? 0 : 64 - varying.leadingZeroBitCount)
        }
        // How each word goes into the key: its low `bits` bits, shifted right by `drop` when
        // only their top part fits.
        var parts: [(word: Int, bits: Int, drop: Int)] = []
        var room = 64
        var exact = true
        for (word, bits) in zip(words, varyingBits) where bits > 0 {
            if room == 0 {
                exact = false
                break
            }
            let take = min(bits, room)
            parts.append((word, take, bits - take))
            if take < bits { exact = false }
            room -= take
        }
        let keyBits = 64 - room

        var keys = [UInt64](repeating: 0, count: n)
        var order = [Int32](repeating: 0, count: n)
        keys.withUnsafeMutableBufferPointer { k in
            order.withUnsafeMutableBufferPointer { o in
                for i in 0..<n {
                    let record = base + i &* w
                    var key: UInt64 = 0
                    for part in parts {
                        let low = part.bits &+ part.drop
                        let value = low == 64 ? record[part.word] : record[part.word] & ((1 << UInt64(low)) &- 1)
                        key = (part.bits == 64 ? 0 : key << UInt64(part.bits)) | (value >> UInt64(part.drop))
                    }
                    k[i] = key
                    o[i] = Int32(truncatingIfNeeded: i)
                }
            }
        }
        radixSort(&keys, &order, bits: keyBits)
        return Result(order: order, keys: keys, exact: exact)
    }

    private static let digitBits = 11

    /// Least-significant-digit radix sort of `keys` (carrying `order` along): stable, one pass per
    /// 11 bits of `bits`, a pass skipped when its digit is the same in every key.
    static func radixSort(_ keys: inout [UInt64], _ order: inout [Int32], bits: Int) {
        let n = keys.count
        guard n > 1, bits > 0 else { return }
        var keysB = [UInt64](repeating: 0, count: n)
        var orderB = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << digitBits)
        let mask = UInt64((1 << digitBits) - 1)
        var shift = 0
        while shift < bits {
            let s = UInt64(shift)
            var moved = false
            keys.withUnsafeMutableBufferPointer { from in
                order.withUnsafeMutableBufferPointer { fromOrder in
                    keysB.withUnsafeMutableBufferPointer { to in
                        orderB.withUnsafeMutableBufferPointer { toOrder in
                            counts.withUnsafeMutableBufferPointer { c in
                                c.update(repeating: 0)
                                for i in 0..<n { c[Int((from[i] >> s) & mask)] &+= 1 }
                                if c[Int((from[0] >> s) & mask)] == n { return }  // one digit everywhere
                                var sum = 0
                                for d in 0..<c.count {
                                    let here = c[d]
                                    c[d] = sum
                                    sum &+= here
                                }
                                for i in 0..<n {
                                    let d = Int((from[i] >> s) & mask)
                                    let at = c[d]
                                    c[d] = at &+ 1
                                    to[at] = from[i]
                                    toOrder[at] = fromOrder[i]
                                }
                                moved = true
                            }
                        }
                    }
                }
            }
            if moved {
                swap(&keys, &keysB)
                swap(&order, &orderB)
            }
            shift += digitBits
        }
    }
}

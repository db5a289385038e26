import Testing
@testable import SurveyApp

@Suite("Export of multi-select columns")
struct ExportTickedTests {
    private let options = ["price", "quality", "late-night", "night"].map { Array($0.utf8) }

    private func ticked(_ list: String) -> UInt64 {
        Array(list.utf8).withUnsafeBufferPointer { ResponseExport.ticked($0, options: options) }
    }

    @Test func eachListedOptionSetsItsBitInOptionOrder() {
        #expect(ticked("price,night") == 0b1001)
        #expect(ticked("night,price") == 0b1001)
        #expect(ticked("quality") == 0b0010)
        #expect(ticked("price,quality,late-night,night") == 0b1111)
    }

    @Test func nothingTickedIsZero() {
        #expect(ticked("") == 0)
    }

    @Test func onlyWholeItemsMatch() {
        // "late-night" holds "night", and "pric" starts "price": neither is a match.
        #expect(ticked("late-night") == 0b0100)
        #expect(ticked("pric,prices,qualit") == 0)
    }

    @Test func agreesWithTheOneOptionCheck() {
        for list in ["price,night", "", "late-night", "quality,late-night"] {
            let bits = ticked(list)
            Array(list.utf8).withUnsafeBufferPointer { bytes in
                for (index, option) in options.enumerated() {
                    #expect((bits & (1 << UInt64(index)) != 0) == ResponseExport.commaList(bytes, contains: option))
                }
            }
        }
    }
}

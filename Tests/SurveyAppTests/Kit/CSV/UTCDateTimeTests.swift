import Foundation
import Testing
@testable import SurveyApp

@Suite("UTC date arithmetic")
struct UTCDateTimeTests {
    @Test("agrees with Foundation's Gregorian calendar from 1600 to 2400")
    func matchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        // A prime step in seconds visits every month, weekday and time of day.
        var seconds = -11_676_096_000.0
        while seconds < 13_574_563_200 {
            let date = Date(timeIntervalSince1970: seconds)
            let fields = try #require(UTCDateTime(date))
            let reference = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            #expect(fields.year == reference.year)
            #expect(fields.month == reference.month)
            #expect(fields.day == reference.day)
            #expect(fields.hour == reference.hour)
            #expect(fields.minute == reference.minute)
            #expect(fields.second == reference.second)
            seconds += 86_400 * 97 + 3_607
        }
    }

    @Test("out-of-range dates give nil")
    func outOfRange() {
        #expect(UTCDateTime(Date(timeIntervalSince1970: .nan)) == nil)
        #expect(UTCDateTime(Date(timeIntervalSince1970: 1e13)) == nil)
    }
}

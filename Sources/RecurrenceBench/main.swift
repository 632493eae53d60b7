// Micro-benchmark of the recurrence engine: next occurrence after a moment, and expanding 1,000
// instances, for typical and worst-case rules. Run: bench/recurrence.sh (release build).
import Foundation
import TodoCore

let cases: [(String, String)] = [
    ("daily", "FREQ=DAILY"),
    ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("every 2 weeks Mon+Wed", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"),
    ("monthly last Friday", "FREQ=MONTHLY;BYDAY=-1FR"),
    ("monthly on the 31st", "FREQ=MONTHLY;BYMONTHDAY=31"),
    ("yearly", "FREQ=YEARLY"),
    ("2nd-to-last weekday (BYSETPOS)", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2"),
    ("Friday the 13th", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"),
    ("every 20 min 9-17 (MINUTELY)", "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16"),
    ("Feb 29 on a Monday (worst)", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"),
    ("week 20 Monday (BYWEEKNO)", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"),
]

let zone = Zones.zone("Europe/Berlin")!
let start = LocalDateTime("2026-11-02T09:00")!
let clock = ContinuousClock()

func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }

func measure(_ runs: Int, _ body: () -> Void) -> Duration {
    var samples: [Duration] = []
    for _ in 0..<runs { samples.append(clock.measure(body)) }
    return median(samples)
}

func micros(_ d: Duration) -> String {
    let us = d.inSeconds * 1e6
    return String(format: "%.1f", us)
}

print("| rule | next occurrence (µs) | 1,000 instances (µs) |")
print("|---|---|---|")
var sink = 0
for (name, text) in cases {
    let rule = try RecurrenceRule(parsing: text)
    let after = Zones.instant(of: start, in: zone)
    let next = measure(201) { sink &+= rule.next(start: start, zone: zone, after: after)?.index ?? 0 }
    let expand = measure(21) { sink &+= rule.expand(start: start, zone: zone, limit: 1000).count }
    print("| \(name) `\(text)` | \(micros(next)) | \(micros(expand)) |")
}
if sink == 42 { print("") }

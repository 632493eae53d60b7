// Micro-benchmark of the recurrence engine: next occurrence after a moment, and expanding 1,000
// instances, for typical and worst-case rules; then quick-add parsing (short, everything at once,
// and 500 characters). Run: bench/recurrence.sh (release build).
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

let now = LocalDateTime("2026-11-29T10:00")!
let phrases: [(String, String)] = [
    ("short", "Buy milk tomorrow"),
    ("everything", "Call Mum every month on the last day at 6pm #family p1 remind me 30 minutes before until 2027-12-31"),
    ("500 characters, nothing recognised", String(String(repeating: "Lorem ipsum dolor sit amet consectetur ", count: 13).prefix(500))),
    ("500 characters, every word starts a phrase", String(String(repeating: "every in on at by next end remind ", count: 15).prefix(500))),
    ("500 characters of dates and tags", String(String(repeating: "tomorrow at 5pm #tag !high Dec 3 ", count: 16).prefix(500))),
]
print("")
print("| quick add | parse (µs) |")
print("|---|---|")
for (name, text) in phrases {
    let t = measure(501) { sink &+= QuickAdd.parse(text, now: now, timeZone: "Europe/Berlin").tokens.count }
    print("| \(name) (\(text.count) chars) | \(micros(t)) |")
}
if sink == 42 { print("") }

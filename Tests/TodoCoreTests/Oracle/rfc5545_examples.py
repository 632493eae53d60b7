"""Expected instances for the RFC 5545 §3.8.5.3 examples, computed independently with
python-dateutil's rrule (wall-clock iteration in America/New_York, as the RFC's examples are
written). Prints the Swift literal used by RFC5545ExamplesTests.swift; rerun to check it.
The RFC's DTSTART always counts as the first instance; every example below starts on an
instance except "Friday the 13th", where the RFC removes DTSTART with an EXDATE."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from dateutil.rrule import rrulestr

NY = ZoneInfo("America/New_York")
CASES = [
    ("daily10", "19970902T090000", "FREQ=DAILY;COUNT=10", None),
    ("dailyUntil", "19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z", None),
    ("everyOtherDay", "19970902T090000", "FREQ=DAILY;INTERVAL=2", 12),
    ("every10Days5", "19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5", None),
    ("januaryYearly", "19980101T090000", "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", None),
    ("januaryDaily", "19980101T090000", "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", None),
    ("weekly10", "19970902T090000", "FREQ=WEEKLY;COUNT=10", None),
    ("weeklyUntil", "19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z", None),
    ("everyOtherWeek", "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU", 13),
    ("tuThUntil", "19970902T090000", "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", None),
    ("tuThCount", "19970902T090000", "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", None),
    ("moWeFrOtherWeek", "19970901T090000", "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", None),
    ("tuThOtherWeek8", "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", None),
    ("firstFriday10", "19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", None),
    ("firstFridayUntil", "19970905T090000", "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", None),
    ("firstLastSunday", "19970907T090000", "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", None),
    ("secondToLastMonday", "19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", None),
    ("thirdToLastDay", "19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3", 6),
    ("day2and15", "19970902T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", None),
    ("firstAndLastDay", "19970930T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", None),
    ("every18Months", "19970910T090000", "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", None),
    ("tuesdaysOtherMonth", "19970902T090000", "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", 18),
    ("juneJuly", "19970610T090000", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", None),
    ("janFebMarOtherYear", "19970310T090000", "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", None),
    ("yearDays", "19970101T090000", "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", None),
    ("twentiethMonday", "19970519T090000", "FREQ=YEARLY;BYDAY=20MO", 3),
    ("weekNo20Monday", "19970512T090000", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", 3),
    ("thursdaysInMarch", "19970313T090000", "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", 11),
    ("summerThursdays", "19970605T090000", "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", 39),
    ("fridayThe13th", "19970902T090000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", 5),
    ("saturdayAfterSunday", "19970913T090000", "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", 10),
    ("electionDay", "19961105T090000", "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", 3),
    ("thirdTuWeTh", "19970904T090000", "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", None),
    ("secondToLastWeekday", "19970929T090000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", 7),
    ("every3Hours", "19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z", None),
    ("every15Minutes", "19970902T090000", "FREQ=MINUTELY;INTERVAL=15;COUNT=6", None),
    ("every90Minutes", "19970902T090000", "FREQ=MINUTELY;INTERVAL=90;COUNT=4", None),
    ("every20MinutesDaily", "19970902T090000", "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", 48),
    ("every20MinutesMinutely", "19970902T090000", "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", 48),
    ("wkstMonday", "19970805T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", None),
    ("wkstSunday", "19970805T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", None),
    ("february30Ignored", "20070115T090000", "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", None),
]

def expand(start, rule, limit):
    dtstart = datetime.strptime(start, "%Y%m%dT%H%M%S").replace(tzinfo=NY)
    # dateutil compares a UTC UNTIL with aware instances, as RFC 5545 says.
    r = rrulestr(rule, dtstart=dtstart)
    out = []
    for d in r:
        out.append(d.strftime("%Y-%m-%dT%H:%M"))
        if limit and len(out) >= limit:
            break
    return out

print("let rfc5545Examples: [(name: String, start: String, rule: String, limit: Int?, expected: [String])] = [")
for name, start, rule, limit in CASES:
    ex = expand(start, rule, limit)
    s = f"{start[0:4]}-{start[4:6]}-{start[6:8]}T{start[9:11]}:{start[11:13]}"
    print(f'    ("{name}", "{s}", "{rule}", {limit if limit else "nil"},')
    print("     [" + ", ".join(f'"{x}"' for x in ex) + "]),")
print("]")

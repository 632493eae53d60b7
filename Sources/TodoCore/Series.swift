import Foundation

/// The rules of a recurring series, as functions of domain values (no database): where its first
/// instance goes, and what the occurrence after a completed or skipped one is.
public enum Series {
    /// The occurrence that follows `task` once it is completed (or, `skipped`, skipped) at `now`:
    /// a new open task with the same fields, the next due, the next index in the series, and the
    /// reminders that carry over. nil when there is none (not recurring, no due, an unknown zone
    /// or rule, or the series ended by COUNT or UNTIL).
    ///
    /// Placement: a skip, and the `schedule` anchor, take the first instance after this
    /// occurrence's due that is not already past (missed instances are skipped; an all-day instance
    /// today is not past). The `completion` anchor applies the rule from the day of completion,
    /// keeping the due's time of day.
    ///
    /// Reminders: relative ones (`before`) carry over, moved to the new due; absolute ones (`at`)
    /// were for this occurrence only.
    public static func successor(of task: TodoTask, skipped: Bool, at now: Date, id: UUID) -> TodoTask? {
        guard let recurrence = task.recurrence, let due = task.due, let rule = try? RecurrenceRule(parsing: recurrence.rule) else { return nil }
        let zone = due.timeZone.zone
        let anchor = skipped ? .schedule : recurrence.anchor
        let index = task.occurrenceIndex ?? 0
        let (start, allDay): (LocalDateTime, Bool) =
            switch due.due {
            case .allDay(let d): (LocalDateTime(date: d, hour: 0, minute: 0)!, true)
            case .dateTime(let l, _): (l, false)
            }
        let next: Occurrence?
        switch anchor {
        case .schedule:
            let notPast = allDay ? Zones.startOfDay(Zones.local(at: now, in: zone).date, in: zone) - .seconds(1) : now
            next = rule.next(start: start, startIndex: index, zone: zone, after: max(due.at, notPast))
        case .completion:
            let today = Zones.local(at: now, in: zone).date
            let from = LocalDateTime(date: today, hour: start.hour, minute: start.minute, second: start.second)!
            next = rule.next(start: from, startIndex: index, zone: zone, after: Zones.instant(of: from, in: zone))
        }
        guard let next else { return nil }
        let nextDue =
            allDay
            ? ResolvedDue(.allDay(next.local.date), defaultTimeZone: due.timeZone)
            : ResolvedDue(.dateTime(next.local, timeZone: due.timeZone), defaultTimeZone: due.timeZone)
        return TodoTask(
            id: id, userID: task.userID, title: task.title, description: task.description, priority: task.priority, tags: task.tags,
            due: nextDue, recurrence: recurrence, seriesID: task.seriesID ?? task.id, occurrenceIndex: next.index, createdAt: now,
            updatedAt: now, reminders: carriedReminders(task.reminders, dueAt: nextDue.at, now: now), placement: task.placement)
    }

    /// The reminders a successor due at `dueAt` gets: the relative ones, with new ids, moved.
    public static func carriedReminders(_ reminders: [Reminder], dueAt: Date, now: Date) -> [Reminder] {
        Reminder.ordered(
            reminders.compactMap { r in
                guard case .before = r.trigger else { return nil }
                var copy = Reminder(
                    id: .v7(at: now), trigger: r.trigger, channels: r.channels, remindAt: Reminder.remindAt(r.trigger, dueAt: dueAt),
                    recipient: r.recipient)
                copy.setBy = r.setBy
                return copy
            })
    }

    /// Where a new series asked for at `start` begins: on the first instance at or after it (and
    /// not before `now`) that the rule itself produces, keeping the time of day of a timed start.
    /// RFC 5545 counts a series' start as an instance even when the rule would not produce it, so
    /// "every other week on Wednesday" said on a Sunday starts on the coming Wednesday rather than
    /// on the Sunday. Looks at most four years ahead; `start` unchanged when nothing is found.
    public static func firstInstance(of rule: RecurrenceRule, from start: Due, now: LocalDateTime, zone: TimeZone) -> Due {
        let today = now.date
        let (date, time): (LocalDate, (hour: Int, minute: Int)?) =
            switch start {
            case .allDay(let d): (d, nil)
            case .dateTime(let t, _): (t.date, (t.hour, t.minute))
            }
        let from = LocalDateTime(date: max(date, today), hour: 0, minute: 0)!
        // The days the rule's filters allow (its INTERVAL counts from wherever the series starts);
        // the time of day is the start's (a rule's BYHOUR is not a due).
        var dayRule = rule
        (dayRule.byHour, dayRule.byMinute, dayRule.interval) = ([], [], 1)
        if dayRule.frequency == .hourly || dayRule.frequency == .minutely { dayRule.frequency = .daily }
        let horizon = from.date.adding(days: 1500)
        for instance in dayRule.producedInstances(from: from, zone: zone) {
            guard instance.date <= horizon else { break }
            guard let time else { return .allDay(instance.date) }
            let t = LocalDateTime(date: instance.date, hour: time.hour, minute: time.minute)!
            if t >= now, case .dateTime(_, let tz) = start { return .dateTime(t, timeZone: tz) }
        }
        return start
    }
}

package main

import (
	"fmt"
	"strings"
	"time"
)

// Time zones as people in Indonesia name them: WIB, WITA and WIT with a
// city, the others by their city and offset; never the IANA name.

// zoneOption is one entry of the registration and account zone select.
type zoneOption struct {
	Value, Label string
}

// zoneCities names the offered zones (the timezones list) in each
// language; Indonesia's carry their abbreviation.
var zoneCities = map[string][2]string{
	"Asia/Jakarta":        {"WIB — Jakarta", "WIB — Jakarta"},
	"Asia/Pontianak":      {"WIB — Pontianak", "WIB — Pontianak"},
	"Asia/Makassar":       {"WITA — Makassar", "WITA — Makassar"},
	"Asia/Jayapura":       {"WIT — Jayapura", "WIT — Jayapura"},
	"Asia/Singapore":      {"Singapura", "Singapore"},
	"Asia/Kuala_Lumpur":   {"Kuala Lumpur", "Kuala Lumpur"},
	"Asia/Bangkok":        {"Bangkok", "Bangkok"},
	"Asia/Ho_Chi_Minh":    {"Ho Chi Minh", "Ho Chi Minh City"},
	"Asia/Manila":         {"Manila", "Manila"},
	"Asia/Hong_Kong":      {"Hong Kong", "Hong Kong"},
	"Asia/Shanghai":       {"Shanghai", "Shanghai"},
	"Asia/Tokyo":          {"Tokyo", "Tokyo"},
	"Asia/Seoul":          {"Seoul", "Seoul"},
	"Asia/Kolkata":        {"Kolkata", "Kolkata"},
	"Asia/Dubai":          {"Dubai", "Dubai"},
	"Asia/Riyadh":         {"Riyadh", "Riyadh"},
	"Australia/Perth":     {"Perth", "Perth"},
	"Australia/Darwin":    {"Darwin", "Darwin"},
	"Australia/Sydney":    {"Sydney", "Sydney"},
	"Pacific/Auckland":    {"Auckland", "Auckland"},
	"Europe/London":       {"London", "London"},
	"Europe/Amsterdam":    {"Amsterdam", "Amsterdam"},
	"Europe/Berlin":       {"Berlin", "Berlin"},
	"Europe/Paris":        {"Paris", "Paris"},
	"Africa/Cairo":        {"Kairo", "Cairo"},
	"America/New_York":    {"New York", "New York"},
	"America/Chicago":     {"Chicago", "Chicago"},
	"America/Los_Angeles": {"Los Angeles", "Los Angeles"},
	"UTC":                 {"UTC", "UTC"},
}

// zoneOptions is the zone select in lang, with current added when it is
// an accepted zone not on the list (saving the profile must not change it).
func zoneOptions(lang, current string) []zoneOption {
	now := time.Now()
	list := timezones
	if current != "" && zoneCities[current] == [2]string{} {
		list = append([]string{current}, timezones...)
	}
	out := make([]zoneOption, 0, len(list))
	for _, z := range list {
		out = append(out, zoneOption{Value: z, Label: zoneLabel(lang, z, now)})
	}
	return out
}

func zoneLabel(lang, zone string, now time.Time) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return zone
	}
	name, ok := zoneCities[zone]
	if !ok {
		// A zone from elsewhere (an account made by mail, or before this
		// list): its city, as the IANA name ends.
		city := zone[strings.LastIndexByte(zone, '/')+1:]
		name = [2]string{strings.ReplaceAll(city, "_", " "), strings.ReplaceAll(city, "_", " ")}
	}
	label := name[0]
	if lang == "en" {
		label = name[1]
	}
	if zone == "UTC" {
		return label
	}
	return label + " (" + utcOffset(now.In(loc)) + ")"
}

// utcOffset is t's offset as "UTC+7", "UTC+5:30", "UTC−3".
func utcOffset(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	h, m := off/3600, off%3600/60
	if m != 0 {
		return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
	}
	return fmt.Sprintf("UTC%s%d", sign, h)
}

// zoneAbbrev is how a time's zone is shown after it: WIB, WITA, WIT, GMT…
// as the time-zone database names it, or its UTC offset where the
// database has only numbers ("+04").
func zoneAbbrev(t time.Time) string {
	abbr := t.Format("MST")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return utcOffset(t)
	}
	return abbr
}

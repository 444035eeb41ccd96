package main

import (
	"os"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
)

// Accessibility checks with axe-core (testdata/axe, MPL-2.0), injected
// into the page under test through the DevTools protocol, which the
// pages' CSP does not apply to.

// What fails a test: every violation of a WCAG 2.x A or AA rule, of any
// impact, and any other rule's (axe's best practices) rated serious or
// critical, which is what blocks people: a missing label or alt, too little
// contrast, an unreachable control. The rest is logged.
var (
	axeFailImpacts = map[string]bool{"critical": true, "serious": true}
	axeFailTags    = map[string]bool{"wcag2a": true, "wcag2aa": true, "wcag21a": true, "wcag21aa": true, "wcag22a": true, "wcag22aa": true}
)

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Tags   []string `json:"tags"`
	Nodes  []string `json:"nodes"`
}

var axeScript struct {
	once sync.Once
	src  string
	err  error
}

// axeRun runs every axe rule (WCAG 2.0–2.2 A and AA, and best practices)
// on the whole document.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, tags: v.tags,
	nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " "))})))`

// axe checks the page shown now and fails the test (going on with it) on
// violations of axeFailImpacts.
func (c *chrome) axe(what string) {
	c.t.Helper()
	axeScript.once.Do(func() {
		b, err := os.ReadFile("testdata/axe/axe.min.js")
		axeScript.src, axeScript.err = string(b), err
	})
	if axeScript.err != nil {
		c.t.Fatalf("axe-core: %v", axeScript.err)
	}
	if has, _ := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`)); !has {
		if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](axeScript.src+"\n;true")); err != nil {
			c.t.Fatalf("%s: injecting axe-core: %v", what, err)
		}
	}
	vs, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("%s: axe-core: %v", what, err)
	}
	for _, v := range vs {
		line := what + ": " + v.Impact + " " + v.ID + " (" + v.Help + ")\n\t" + strings.Join(v.Nodes, "\n\t")
		fail := axeFailImpacts[v.Impact]
		for _, tag := range v.Tags {
			fail = fail || axeFailTags[tag]
		}
		if fail {
			c.t.Error(line)
		} else {
			c.t.Log(line)
		}
	}
}

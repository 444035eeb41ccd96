package main

// One large message through Intake.Deliver, in this process, with its peak
// RSS and Go heap measured around the call alone.

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

type memoryResult struct {
	MessageMB     float64 `json:"message_mb"`
	Outcome       string  `json:"outcome"`
	Seconds       float64 `json:"seconds"`
	BaselineRSSMB float64 `json:"baseline_rss_mb"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	RSSDeltaMB    float64 `json:"peak_rss_delta_mb"`
	PeakHeapMB    float64 `json:"peak_heap_mb"`
	HeapDeltaMB   float64 `json:"peak_heap_delta_mb"`
	AllocMB       float64 `json:"allocated_mb"`
	Ratio         float64 `json:"rss_delta_over_size"`
	Note          string  `json:"note,omitempty"`
}

func runBigMessage(ctx context.Context, b *benchDB, size int, secret []byte, dir, profile string) (*memoryResult, error) {
	store := tickets.New(b.DB, tickets.Opts{Log: slog.New(slog.DiscardHandler)})
	sender, err := outbound.NewSender("", dir, outbound.SenderOptions{})
	if err != nil {
		return nil, err
	}
	defer sender.Close()
	ob := outbound.New(outbound.Opts{Store: store, Sender: sender, From: helpdeskAddress, BaseURL: "http://localhost:8080", Secret: secret})
	store.AddHook(ob.Hook)
	in := ingest.NewIntake(store, ingest.IntakeOpts{Secret: secret, OwnAddresses: []string{helpdeskAddress}})
	raw := bigMessage(size, uint64(time.Now().UnixNano()))
	res := &memoryResult{MessageMB: mb(int64(len(raw)))}

	// The message is already in memory (the poller reads it whole from the
	// IMAP literal): the baseline includes it.
	runtime.GC()
	debug.FreeOSMemory()
	if err := resetPeakRSS(0); err != nil {
		res.Note = "could not reset VmHWM: " + err.Error()
	}
	base, _ := procStatus(0)
	heap0 := heapBytes()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc0 := ms.TotalAlloc

	var peakHeap uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h := heapBytes(); h > peakHeap {
				peakHeap = h
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	if profile != "" {
		// Sample every 64 KB allocated (the large buffers are the story),
		// and keep a base to subtract: the profile is cumulative.
		runtime.MemProfileRate = 64 << 10
		runtime.GC()
		writeProfile(profile + ".base")
	}
	t0 := time.Now()
	r, err := in.Deliver(ctx, raw, ingest.Source{Mailbox: "hdbench-memory"})
	res.Seconds = time.Since(t0).Seconds()
	if profile != "" {
		runtime.GC()
		writeProfile(profile)
	}
	close(stop)
	<-done
	if err != nil {
		return nil, err
	}
	res.Outcome = r.Outcome
	_, hwm := procStatus(0)
	runtime.ReadMemStats(&ms)
	res.BaselineRSSMB, res.PeakRSSMB = mb(base), mb(hwm)
	res.RSSDeltaMB = mb(hwm - base)
	res.PeakHeapMB, res.HeapDeltaMB = mb(int64(peakHeap)), mb(int64(peakHeap)-int64(heap0))
	res.AllocMB = mb(int64(ms.TotalAlloc - alloc0))
	res.Ratio = res.RSSDeltaMB / res.MessageMB
	return res, nil
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapBytes() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

func writeProfile(path string) {
	if f, err := os.Create(path); err == nil {
		pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}
}

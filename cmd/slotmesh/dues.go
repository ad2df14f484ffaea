package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/slotmesh/slotmesh/services/booking"
)

// duesCmd is `slotmesh booking dues`: what bookings owe (refunds and voids
// payment has not answered for good yet), the stuck ones first; -retry makes
// them due now.
func duesCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("booking dues", "[-stuck] [-limit N] [-retry]", `
List what bookings owe that payment has not given back yet (refunds, voids of deposits),
the stuck first, from the booking service's database (PG_URL). -retry makes them due now,
once what kept them from being paid is fixed.`, stdout, stderr)
	stuck := f.Bool("stuck", false, "only the dues asked of payment many times without success (an operator should look)")
	limit := f.Int("limit", 50, "list at most this many")
	retry := f.Bool("retry", false, "make the listed kind of dues (all, or -stuck) due now, once what kept them from being paid is fixed")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *limit < 1 {
		return f.fail("-limit must be at least 1")
	}
	cfg, err := booking.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if *retry {
		n, err := booking.RetryDues(ctx, cfg, *stuck)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d dues are due now; the booking service's sweepers ask payment for them within a second\n", n)
		return nil
	}
	rep, err := booking.ReportDues(ctx, cfg, *stuck, *limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d dues owed, %d stuck\n", rep.Total, rep.Stuck)
	if len(rep.Dues) == 0 {
		return nil
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tAMOUNT\tBOOKING\tATTEMPTS\tNEXT TRY\tKEY\tLAST ERROR")
	for _, d := range rep.Dues {
		amount := "-"
		if d.Kind == "refund" {
			amount = fmt.Sprint(d.Amount)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.Kind, amount, d.BookingID, d.Attempts,
			d.NextAttemptAt.Local().Format(time.DateTime), d.Key, d.LastError)
	}
	return w.Flush()
}

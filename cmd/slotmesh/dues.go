package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/slotmesh/slotmesh/services/booking"
)

const bookingUsage = "usage: slotmesh booking dues [-stuck] [-limit N] [-retry]"

// bookingCmd is `slotmesh booking dues`: what bookings owe (refunds and
// voids payment has not answered for good yet), the stuck ones first; -retry
// makes them due now.
func bookingCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "dues" {
		return errors.New(bookingUsage)
	}
	fs := flag.NewFlagSet("booking dues", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stuck := fs.Bool("stuck", false, "only the dues asked of payment many times without success (an operator should look)")
	limit := fs.Int("limit", 50, "list at most this many")
	retry := fs.Bool("retry", false, "make the listed kind of dues (all, or -stuck) due now, once what kept them from being paid is fixed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 || *limit < 1 {
		return errors.New(bookingUsage)
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

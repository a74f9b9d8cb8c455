package pluginhost

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A loaded machine once returned gRPC's DeadlineExceeded while the call's
// context had not yet expired; that is a timeout too.
func TestTimedOutCases(t *testing.T) {
	live, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel2()
	<-expired.Done()

	grpcDeadline := status.Error(codes.DeadlineExceeded, "stream terminated by RST_STREAM with error code: CANCEL")
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"deadline status, live context", live, grpcDeadline, true},
		{"expired context", expired, errors.New("connection closed"), true},
		{"plugin error", live, status.Error(codes.InvalidArgument, "bad input"), false},
		{"broken connection", live, status.Error(codes.Unavailable, "connection reset"), false},
	}
	for _, c := range cases {
		if got := timedOut(c.ctx, c.err); got != c.want {
			t.Errorf("%s: timedOut = %v, want %v", c.name, got, c.want)
		}
	}
}

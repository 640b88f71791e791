package live

import (
	"syscall"
	"unsafe"
)

const canTryWrite = true

// tryState carries tryWrite's arguments and results through the callback
// of syscall.RawConn.Control, which is made once per outbox.
type tryState struct {
	hdr [10]byte
	iov [4]syscall.Iovec
	cnt int
	n   int
	err error
}

// tryWrite writes f with one writev on the non-blocking socket, taking
// its parts where they are (the shared body is not copied per
// subscriber). It returns how many bytes the socket took; 0 and no error
// when it would block. o.mu is held.
func (o *outbox) tryWrite(f frame) (int, error) {
	t := &o.try
	parts := [4][]byte{nil, f.head, f.body, closingBrace}
	if f.raw {
		parts = [4][]byte{f.head}
	} else {
		parts[0] = appendHeader(t.hdr[:0], payloadLen(f))
		if f.body == nil {
			parts[3] = nil
		}
	}
	t.cnt = 0
	for _, p := range parts {
		if len(p) > 0 {
			t.iov[t.cnt].Base = &p[0]
			t.iov[t.cnt].SetLen(len(p))
			t.cnt++
		}
	}
	if o.tryFn == nil {
		o.tryFn = func(fd uintptr) {
			for {
				n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&t.iov[0])), uintptr(t.cnt))
				switch errno {
				case 0:
					t.n, t.err = int(n), nil
				case syscall.EINTR:
					continue
				case syscall.EAGAIN:
					t.n, t.err = 0, nil
				default:
					t.n, t.err = 0, errno
				}
				return
			}
		}
	}
	// Control, not Write: this never waits for the socket, so it needs
	// neither the descriptor's write lock nor the poller's preparation,
	// only the guarantee that the descriptor stays open meanwhile. Nothing
	// else writes to it while this does: o.mu is held and no writer
	// goroutine runs.
	if err := o.raw.Control(o.tryFn); err != nil {
		return 0, err
	}
	n, err := t.n, t.err
	t.iov = [4]syscall.Iovec{} // do not keep the body alive
	return n, err
}

var closingBrace = []byte{'}'}

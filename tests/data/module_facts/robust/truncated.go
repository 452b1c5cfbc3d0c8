package robust

func Good() {}

func Truncated(a int, b string) (int, err
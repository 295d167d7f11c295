package summarize_test

import (
	"fmt"

	"newsbot/summarize"
)

func ExampleText() {
	article := `(CNN) -- A powerful storm swept across the southern coast on Monday, cutting power to more than 200,000 homes.
The National Weather Service said winds reached 90 mph near the coast before the storm weakened inland.
"We have never seen water this high," said a fisherman who has worked the docks for 30 years.
Officials said it could take a week to restore power to every home.

Related Articles
Storm season starts early this year`
	for _, s := range summarize.Text(article, 2) {
		fmt.Println(s)
	}
	// Output:
	// A powerful storm swept across the southern coast on Monday, cutting power to more than 200,000 homes.
	// The National Weather Service said winds reached 90 mph near the coast before the storm weakened inland.
}

func ExampleOptions_Text() {
	o := summarize.Options{Sentences: 1, Title: "Council approves school budget"}
	fmt.Println(o.Text("The council met on Tuesday. It approved a budget that raises spending on schools by ten percent. Critics said taxes would rise."))
	// Output: [The council met on Tuesday.]
}

func ExampleSplit() {
	for _, s := range summarize.Split(`U.S. Defense Secretary Pete Hegseth met U.K. officials. Profits rose 3.5% to $1.13bn. "It's over," he said. 東京は晴れです。明日は雨。`) {
		fmt.Println(s)
	}
	// Output:
	// U.S. Defense Secretary Pete Hegseth met U.K. officials.
	// Profits rose 3.5% to $1.13bn.
	// "It's over," he said.
	// 東京は晴れです。
	// 明日は雨。
}

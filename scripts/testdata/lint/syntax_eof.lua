-- want: 2 the file ends in the middle of a statement
ceremony { name = "unfinished",

/** A table's column headers; `#` before a label right-aligns a numeric column. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) =>
          column.startsWith('#') ? (
            <th scope="col" class="num" key={column}>
              {column.slice(1)}
            </th>
          ) : (
            <th scope="col" key={column}>
              {column}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
